;; As grow.wat, with a memory it imports instead of defining one: the engine must hand it a memory
;; bounded alike.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "memory" (memory 1))
  (func (export "_start") (local $gained i32)
    (block $refused
      (loop $next
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (local.set $gained (i32.add (local.get $gained) (i32.const 1)))
        (br_if $refused (i32.ge_u (local.get $gained) (i32.const 255)))
        (br $next)))
    (call $proc_exit (local.get $gained))))
