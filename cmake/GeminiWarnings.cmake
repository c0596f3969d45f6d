# g++ 12 reports -Wmismatched-new-delete falsely on coroutine frames (style.md section 7).
function(gemini_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-mismatched-new-delete)
endfunction()
