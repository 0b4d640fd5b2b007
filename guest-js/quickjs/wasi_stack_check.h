/*
 * Force-included (`-include`) before every C file of rquickjs-sys when
 * host/build.rs builds the engine: turns QuickJS's stack check on under WASI,
 * so deep recursion is a catchable `RangeError: Maximum call stack size
 * exceeded` instead of a wasm trap that ends the request.
 *
 * quickjs-ng switches the check off wherever `__wasi__` is defined (in
 * `JS_NewRuntime2` and `update_stack_limit`), and has no setting for it. Its
 * check itself works on wasm32: it compares the shadow stack pointer
 * (`__builtin_frame_address`) with a limit. So this header includes every
 * system header QuickJS includes while `__wasi__` is still defined (wasi-libc
 * needs it; include guards then skip them in the sources), and undefines it
 * for the rest of the file. `__wasi__` guards nothing else in the four files
 * compiled (quickjs.c, libregexp.c, libunicode.c, dtoa.c) apart from the
 * choice of C11 atomics, which stay off as before (no SharedArrayBuffer
 * waits in a single-threaded instance).
 *
 * Can go when quickjs-ng keeps the check on under WASI (or takes a setting):
 * check `update_stack_limit` in rquickjs-sys's quickjs/quickjs.c on upgrade.
 */
#ifndef NANO_WASI_STACK_CHECK_H
#define NANO_WASI_STACK_CHECK_H

#include <alloca.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#undef __wasi__
#ifndef __STDC_NO_ATOMICS__
#define __STDC_NO_ATOMICS__ 1
#endif

/*
 * The JS stack's size, below where the runtime is created: half of the
 * engine's 1 MiB shadow stack (Rust's default for wasm32-wasip2), leaving the
 * rest for the native code JS calls into at that depth. A plain JS call
 * takes about 550 bytes of it (≈ 960 calls deep, against ≈ 700 before wasm's
 * own stack ran out). wasm's native stack must outlast it whatever the
 * recursion is made of (a method called through `.call`, or C recursion
 * such as JSON.stringify of a deep array, takes several times more native
 * stack per byte of this one): the host gives it 8 MiB (host/src/engine.rs,
 * MAX_WASM_STACK), and tests/scripts/deep_recursion.js checks those shapes.
 */
#define JS_DEFAULT_STACK_SIZE (512 * 1024)

#endif
