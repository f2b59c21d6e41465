;; Tries to create, in its first preopened directory (fd 3), a symlink "link" to "target" beside
;; it; exits with the errno path_symlink returned (0: created).
(module
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "target")
  (data (i32.const 96) "link")
  (func (export "_start")
    (call $proc_exit
      (call $path_symlink (i32.const 64) (i32.const 6) (i32.const 3) (i32.const 96) (i32.const 4)))))
