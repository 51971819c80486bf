// One reply's token path from the provider's thread to the connections (see reply_relay.hpp).
// Must never block beyond its own lock, never call into actors and never touch storage.
#include "actors/reply_relay.hpp"

#include "core/protocol/server_frame.hpp"
#include "core/support/metrics.hpp"

namespace xinyu::actors {

reply_relay::reply_relay(options o)
  : o_(std::move(o)), ttft_ms_(o_.ttft_ms), last_piece_at_(clock::now()) {}

reply_relay::verdict reply_relay::push(const std::string& text) {
  std::lock_guard lock{mutex_};
  if (closed_)
    return verdict::closed;
  if (o_.limit != 0 && o_.tokens.size() - o_.preface >= o_.limit) {
    closed_ = true; // the piece after the last one allowed ends the reply
    return verdict::length;
  }
  last_piece_at_ = clock::now(); // held back by a stop scanner or not, the model is alive
  if (!o_.stops) {
    send_locked(text);
    return verdict::more;
  }
  auto r = o_.stops->feed(text); // show what cannot be a stop sequence, end before one
  if (!r.show.empty())
    send_locked(std::move(r.show));
  if (r.stopped) {
    closed_ = true;
    return verdict::stop;
  }
  return verdict::more;
}

void reply_relay::send_locked(std::string piece) {
  if (!ttft_ms_) {
    ttft_ms_ = std::chrono::duration<double, std::milli>(last_piece_at_ - o_.accepted_at).count();
    if (o_.ttft)
      o_.ttft->observe(*ttft_ms_ / 1000);
  }
  auto frame =
    std::make_shared<const std::string>(core::frames::token(o_.chat_id, o_.tokens.size(), piece));
  for (const auto& s : o_.sinks)
    s->deliver(frame);
  o_.tokens.push_back(std::move(piece));
  if (o_.token_count)
    o_.token_count->inc();
}

void reply_relay::set_sinks(std::vector<client_sink_ptr> sinks) {
  std::lock_guard lock{mutex_};
  o_.sinks = std::move(sinks);
}

void reply_relay::replay(const client_sink_ptr& to, std::size_t seq) {
  if (!to)
    return;
  std::lock_guard lock{mutex_};
  for (auto i = seq; i < o_.tokens.size(); ++i)
    to->deliver(
      std::make_shared<const std::string>(core::frames::token(o_.chat_id, i, o_.tokens[i])));
}

void reply_relay::touch() {
  std::lock_guard lock{mutex_};
  last_piece_at_ = clock::now();
}

reply_relay::clock::time_point reply_relay::last_piece_at() const {
  std::lock_guard lock{mutex_};
  return last_piece_at_;
}

std::size_t reply_relay::model_pieces() const {
  std::lock_guard lock{mutex_};
  return o_.tokens.size() - o_.preface;
}

reply_relay::taken reply_relay::close() {
  std::lock_guard lock{mutex_};
  closed_ = true;
  o_.sinks.clear();
  return {std::move(o_.tokens), std::move(o_.stops), ttft_ms_, last_piece_at_};
}

} // namespace xinyu::actors
