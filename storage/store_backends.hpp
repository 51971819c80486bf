// The two conversation_store backends conversation_store::open chooses between. Storage-internal;
// must never be included outside storage/.
#pragma once

#include "storage/conversation_store.hpp"

namespace xinyu::storage {

/// RocksDB in `opt.path` (storage/conversation_store.cpp).
std::unique_ptr<conversation_store> open_rocksdb_store(const conversation_store::options& opt,
                                                       std::string& error);

/// PostgreSQL at `opt.postgres` (storage/postgres_store.cpp).
std::unique_ptr<conversation_store> open_postgres_store(const conversation_store::options& opt,
                                                        std::string& error);

} // namespace xinyu::storage
