# Turns the ```cpp blocks of one Markdown file into one C++ program (its fragments are compiled,
# never called), so that the test suite compiles every snippet of the documentation (target
# gemini-doc-snippets, test/CMakeLists.txt).
#   cmake -DDOC=docs/x.md -DOUT=build/.../x.cpp -DID=x -P cmake/GeminiDocSnippets.cmake
#
# The convention (docs/architecture.md, "Documentation snippets"):
# - A block containing a line that starts with `#include` or `int main`, or preceded by the line
#   `<!-- snippet: namespace -->`, is namespace-scope code: it is copied as is, at global scope.
#   (A `main` is renamed: the generated program has its own, which returns 0.)
# - Any other block is a fragment: the body of a coroutine
#   `boost::asio::awaitable<void> f(gemini::client& client, ...)` whose parameters are the few
#   names of test/docs/snippet_prelude.hpp (`client`, `executor`, `id`, `req`, ...).
# - `<!-- snippet: skip -->` before a block leaves it out (say why next to it; keep it rare).
# Blocks of one doc share its program in order: a fragment sees the declarations of the
# namespace-scope blocks above it, so namespace-scope names must be unique within one doc (two
# docs may reuse a name).
# Errors point at the Markdown lines (#line).
cmake_minimum_required(VERSION 3.25)
if(NOT DOC OR NOT OUT OR NOT ID)
  message(FATAL_ERROR "usage: cmake -DDOC=file.md -DOUT=file.cpp -DID=identifier -P GeminiDocSnippets.cmake")
endif()

file(READ "${DOC}" text)
# CMake lists split on ';' and treat brackets specially: escape them before splitting into lines.
string(REPLACE "@" "@AT@" text "${text}")
string(REPLACE ";" "@SC@" text "${text}")
string(REPLACE "[" "@LB@" text "${text}")
string(REPLACE "]" "@RB@" text "${text}")
string(REPLACE "\\" "@BS@" text "${text}")
string(REPLACE "\n" ";" lines "${text}")

set(out "// Generated from ${DOC} by cmake/GeminiDocSnippets.cmake: edit the Markdown, not this file.\n")
string(APPEND out "#include \"snippet_prelude.hpp\"\n\n")

set(in_block FALSE)
set(marker "")
set(line_no 0)
set(fragments 0)
set(namespace_blocks 0)
set(skipped 0)
foreach(line IN LISTS lines)
  math(EXPR line_no "${line_no} + 1")
  if(NOT in_block)
    if(line MATCHES "^```cpp[ \t]*$")
      set(in_block TRUE)
      set(block_start ${line_no})
      set(block "")
      set(block_kind fragment)
      set(has_main FALSE)
      if(marker STREQUAL "namespace")
        set(block_kind namespace)
      elseif(marker STREQUAL "skip")
        set(block_kind skip)
      endif()
    elseif(line MATCHES "^<!-- snippet: ([a-z]+) -->")
      set(marker "${CMAKE_MATCH_1}")
      if(NOT marker MATCHES "^(namespace|skip)$")
        message(FATAL_ERROR "${DOC}:${line_no}: unknown snippet marker '${marker}' (namespace or skip)")
      endif()
    elseif(NOT line MATCHES "^[ \t]*$")
      set(marker "")
    endif()
    continue()
  endif()
  if(NOT line MATCHES "^```")
    string(APPEND block "${line}\n")
    if(block_kind STREQUAL "fragment" AND line MATCHES "^(#include|int main)")
      set(block_kind namespace)
    endif()
    if(line MATCHES "^int main")
      set(has_main TRUE)
    endif()
    continue()
  endif()
  # End of a block.
  set(in_block FALSE)
  set(marker "")
  math(EXPR first "${block_start} + 1")
  if(block_kind STREQUAL "skip")
    math(EXPR skipped "${skipped} + 1")
  elseif(block_kind STREQUAL "namespace")
    math(EXPR namespace_blocks "${namespace_blocks} + 1")
    if(has_main)
      # A renamed main may end without `return` like the real one.
      string(APPEND out "#define main gemini_doc_${ID}_main_${block_start}\n"
                        "#pragma GCC diagnostic push\n"
                        "#pragma GCC diagnostic ignored \"-Wreturn-type\"\n"
                        "#line ${first} \"${DOC}\"\n"
                        "${block}"
                        "#pragma GCC diagnostic pop\n"
                        "#undef main\n\n")
    else()
      string(APPEND out "#line ${first} \"${DOC}\"\n${block}\n")
    endif()
  else()
    math(EXPR fragments "${fragments} + 1")
    # The inner block lets a fragment declare its own `req` or `client`.
    string(APPEND out "boost::asio::awaitable<void> gemini_doc_${ID}_${block_start}(GEMINI_DOC_SNIPPET_PARAMETERS)\n{\n{\n"
                      "#line ${first} \"${DOC}\"\n"
                      "${block}"
                      "}\n    co_return;\n}\n\n")
  endif()
endforeach()
if(in_block)
  message(FATAL_ERROR "${DOC}:${block_start}: unterminated ```cpp block")
endif()
math(EXPR total "${fragments} + ${namespace_blocks}")
string(APPEND out "// ${total} snippets compiled (${fragments} fragments, ${namespace_blocks} namespace-scope), ${skipped} skipped.\n"
                  "// Built as a program of its own: linking checks that every function used is defined.\n"
                  "int main()\n{\n    return 0;\n}\n")

string(REPLACE "@BS@" "\\" out "${out}")
string(REPLACE "@RB@" "]" out "${out}")
string(REPLACE "@LB@" "[" out "${out}")
string(REPLACE "@SC@" ";" out "${out}")
string(REPLACE "@AT@" "@" out "${out}")
# Unchanged output keeps its time stamp: editing prose does not recompile.
file(WRITE "${OUT}.tmp" "${out}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
