# gdir_embed.cmake — gdir_embed_text(): a text file of the source tree compiled into a target
# as one C string, so that nothing but the executable is needed at run time (common/schema.sql,
# geoapi/ogc/openapi.json).

# gdir_embed_text(TARGET SOURCE SYMBOL HEADER): SOURCE (relative to the calling folder) becomes
# `const char SYMBOL[]` in a generated .c added to TARGET; HEADER declares SYMBOL. Editing
# SOURCE re-runs CMake at the next build.
function(gdir_embed_text target source symbol header)
    set(input ${CMAKE_CURRENT_SOURCE_DIR}/${source})
    file(RELATIVE_PATH embed_source ${PROJECT_SOURCE_DIR} ${input})
    set(embed_symbol ${symbol})
    set(embed_header ${header})
    file(READ ${input} embed_text)
    string(REPLACE "\\" "\\\\" embed_text "${embed_text}")
    string(REPLACE "\"" "\\\"" embed_text "${embed_text}")
    string(REPLACE "\n" "\\n\"\n\"" embed_text "${embed_text}")
    set(output ${CMAKE_CURRENT_BINARY_DIR}/${symbol}.c)
    configure_file(${PROJECT_SOURCE_DIR}/cmake/embed_text.c.in ${output} @ONLY)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${input})
    target_sources(${target} PRIVATE ${output})
    # A long string literal: fine for GCC and Clang, beyond C's minimum.
    set_source_files_properties(${output} PROPERTIES COMPILE_OPTIONS -Wno-overlength-strings)
endfunction()
