;; Copies the file "data.txt" of the first preopened directory (fd 3) to stdout; exits with the
;; errno of path_open when it cannot open it.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "data.txt")
  (func (export "_start") (local $errno i32) (local $fd i32)
    ;; fd_read right only (bit 1).
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 8)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
    (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
    (local.set $fd (i32.load (i32.const 32)))
    (block $done
      (loop $next
        ;; iov: 4096 bytes at 1024
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 4096))
        (drop (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i32.const 8))))
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br $next)))))
