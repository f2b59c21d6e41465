;; Asks for 100 pages (6.25 MiB) of memory from the start.
(module
  (memory (export "memory") 100)
  (func (export "_start")))
