// Loading of the trained safety and emotion models with the settings xinyu-train chose on the
// dev split. Must never be called per message: it reads files.
#include "llm/understanding_models.hpp"

#include "core/analysis/emotion_ensemble.hpp"
#include "core/analysis/safety_checker.hpp"
#include "llm/fasttext_classifier.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

namespace xinyu::llm {

namespace {

/// The settings beside a model; an empty object when there is none. False on a broken file.
bool read_settings(const std::string& bin, nlohmann::json& out, std::string& error) {
  std::ifstream in{settings_path(bin)};
  out = nlohmann::json::object();
  if (!in.good())
    return true;
  try {
    out = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    error = "'" + settings_path(bin) + "' is not valid JSON (" + e.what() + ")";
    return false;
  }
  if (!out.is_object()) {
    error = "'" + settings_path(bin) + "' must hold a JSON object";
    return false;
  }
  return true;
}

double number_or(const nlohmann::json& j, const char* key, double def) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : def;
}

} // namespace

std::string settings_path(const std::string& bin) {
  auto dot = bin.find_last_of('.');
  auto slash = bin.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return bin + ".json";
  return bin.substr(0, dot) + ".json";
}

std::shared_ptr<const core::safety_checker> load_safety_model(const std::string& bin,
                                                              std::string& error) {
  auto model = load_fasttext_classifier(bin, error);
  nlohmann::json s;
  if (!model || !read_settings(bin, s, error))
    return nullptr;
  core::safety_thresholds t;
  auto th = s.value("thresholds", nlohmann::json::object());
  t.crisis = number_or(th, "crisis", t.crisis);
  t.blocked = number_or(th, "blocked", t.blocked);
  t.caution = number_or(th, "caution", t.caution);
  t.other = number_or(th, "other", t.other);
  t.veto = number_or(th, "veto", t.veto);
  t.alone = number_or(th, "alone", t.alone);
  return std::make_shared<const core::safety_checker>(std::move(model), t);
}

std::shared_ptr<const core::emotion_scorer> load_emotion_model(const std::string& bin,
                                                               std::string& error) {
  auto model = load_fasttext_classifier(bin, error);
  nlohmann::json s;
  if (!model || !read_settings(bin, s, error))
    return nullptr;
  return std::make_shared<const core::emotion_ensemble>(std::move(model),
                                                        number_or(s, "model_threshold", 0.0));
}

} // namespace xinyu::llm
