;; Creates "out.txt" in the first preopened directory (fd 3) and writes a line to it; exits with the
;; errno of path_open when it cannot.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "out.txt")
  (data (i32.const 96) "written by wasm\n")
  (func (export "_start") (local $errno i32)
    ;; O_CREAT | O_TRUNC, fd_write right only (bit 6).
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 7)
      (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 32)))
    (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
    (i32.store (i32.const 0) (i32.const 96))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.load (i32.const 32)) (i32.const 0) (i32.const 1) (i32.const 8)))))
