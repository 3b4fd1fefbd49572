# Generates a C++ file holding every migrations/*.sql as a raw string literal (see migrations.hpp).
# Inputs: OUT (file to write) and SQL_FILES (list, in version order).
#
# The rule for backends: NNNN_name.sql is the migration, shared by every backend. When the same
# list also holds NNNN_name.postgres.sql, PostgreSQL runs that file instead of the shared one
# (Migration::postgres_sql); SQLite always runs the shared one. Write portable SQL where the two
# agree and a variant only for what cannot be (rowid ids, 64-bit INTEGER, BLOB, WITHOUT ROWID).
string(REPLACE "," ";" SQL_FILES "${SQL_FILES}")
set(body "// Generated from src/store/migrations/*.sql by embed_migrations.cmake. Do not edit.\n")
string(APPEND body "#include \"store/migrations.hpp\"\n\nnamespace hiresync::store {\n\n")
string(APPEND body "const std::vector<Migration>& all_migrations() {\n  static const std::vector<Migration> kAll{\n")
foreach(f IN LISTS SQL_FILES)
  if(f MATCHES "\\.postgres\\.sql$")
    continue()
  endif()
  get_filename_component(name "${f}" NAME)
  string(REGEX MATCH "^[0-9]+" version "${name}")
  math(EXPR version "${version}")
  file(READ "${f}" sql)
  string(REGEX REPLACE "\\.sql$" ".postgres.sql" pg_file "${f}")
  list(FIND SQL_FILES "${pg_file}" pg_index)
  if(pg_index GREATER -1)
    file(READ "${pg_file}" pg_sql)
  else()
    set(pg_sql "${sql}")
  endif()
  string(APPEND body "      {${version}, \"${name}\", R\"hsql(${sql})hsql\", R\"hsql(${pg_sql})hsql\"},\n")
endforeach()
string(APPEND body "  };\n  return kAll;\n}\n\n}  // namespace hiresync::store\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
