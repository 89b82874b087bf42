# Turns each bundled data file into a C++ array at build time.
# picket_embedded exposes them through src/util/embedded.h:
#   std::string_view picket::EmbeddedFile(std::string_view name);
# Files are listed in PICKET_EMBED (paths relative to the source root).
set(PICKET_EMBED
  data/field_types.tsv
  data/attack.tsv
  data/event_fields.tsv
  data/case_traps.tsv
  src/state/lua/new_terms.lua
  src/state/lua/records.lua
  data/ecs_allowed_values.tsv
)
file(GLOB PICKET_EMBED_RULES CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}
     ${CMAKE_SOURCE_DIR}/rules/macos/*.toml ${CMAKE_SOURCE_DIR}/data/demo/*.ndjson)
list(APPEND PICKET_EMBED ${PICKET_EMBED_RULES})

set(embed_out ${CMAKE_BINARY_DIR}/generated/embedded_data.cc)
set(embed_inputs)
foreach(f ${PICKET_EMBED})
  if(EXISTS ${CMAKE_SOURCE_DIR}/${f})
    list(APPEND embed_inputs ${CMAKE_SOURCE_DIR}/${f})
  endif()
endforeach()
add_custom_command(
  OUTPUT ${embed_out}
  COMMAND ${CMAKE_COMMAND} -DOUT=${embed_out} -DROOT=${CMAKE_SOURCE_DIR}
          "-DFILES=${PICKET_EMBED}" -P ${CMAKE_SOURCE_DIR}/cmake/embed_gen.cmake
  DEPENDS ${embed_inputs} ${CMAKE_SOURCE_DIR}/cmake/embed_gen.cmake
  COMMENT "Embedding bundled data"
  VERBATIM)
# The object pulls the bytes in with .incbin: it must be rebuilt when an
# embedded file changes even though the generated source does not.
set_source_files_properties(${embed_out} PROPERTIES OBJECT_DEPENDS "${embed_inputs}")
add_library(picket_embedded STATIC ${embed_out})
target_include_directories(picket_embedded PUBLIC ${CMAKE_SOURCE_DIR}/src)
