;; An isolation canary: a wasi:http component written by hand (no JS, no
;; toolchain), so the test controls every byte of its linear memory.
;;
;; Every request first checks that its memory is the component's own image
;; (the data segments' bytes where they are, zeros elsewhere, the initial
;; size), then dirties it: overwrites both data segments, writes a byte into
;; every other 4 KiB host page of the 8 MiB it starts with (within and past
;; the pool's `keep_resident` of 4 MiB; hundreds of separate dirty regions),
;; and grows the memory by 4 MiB and writes there too. So a request that runs
;; in a slot a previous request used sees that request's writes unless the
;; reset undid them. The answer is its status: 200 clean, 400 + the number of
;; the first check that failed. It drops the request's handle, as a handler
;; that is done with it does, so that its instance can be reset in place and
;; serve the next request (nano reuses only an instance that holds no handle).
(component
  (type $types_t (instance
    (export "fields" (type $fields (sub resource)))
    (export "incoming-request" (type $req (sub resource)))
    (export "outgoing-response" (type $resp (sub resource)))
    (export "response-outparam" (type $out (sub resource)))
    (type $dns (record (field "rcode" (option string)) (field "info-code" (option u16))))
    (export "DNS-error-payload" (type $dns_e (eq $dns)))
    (type $tls (record (field "alert-id" (option u8)) (field "alert-message" (option string))))
    (export "TLS-alert-received-payload" (type $tls_e (eq $tls)))
    (type $fsp (record (field "field-name" (option string)) (field "field-size" (option u32))))
    (export "field-size-payload" (type $fsp_e (eq $fsp)))
    (type $ec (variant
      (case "DNS-timeout")
      (case "DNS-error" $dns_e)
      (case "destination-not-found")
      (case "destination-unavailable")
      (case "destination-IP-prohibited")
      (case "destination-IP-unroutable")
      (case "connection-refused")
      (case "connection-terminated")
      (case "connection-timeout")
      (case "connection-read-timeout")
      (case "connection-write-timeout")
      (case "connection-limit-reached")
      (case "TLS-protocol-error")
      (case "TLS-certificate-error")
      (case "TLS-alert-received" $tls_e)
      (case "HTTP-request-denied")
      (case "HTTP-request-length-required")
      (case "HTTP-request-body-size" (option u64))
      (case "HTTP-request-method-invalid")
      (case "HTTP-request-URI-invalid")
      (case "HTTP-request-URI-too-long")
      (case "HTTP-request-header-section-size" (option u32))
      (case "HTTP-request-header-size" (option $fsp_e))
      (case "HTTP-request-trailer-section-size" (option u32))
      (case "HTTP-request-trailer-size" $fsp_e)
      (case "HTTP-response-incomplete")
      (case "HTTP-response-header-section-size" (option u32))
      (case "HTTP-response-header-size" $fsp_e)
      (case "HTTP-response-body-size" (option u64))
      (case "HTTP-response-trailer-section-size" (option u32))
      (case "HTTP-response-trailer-size" $fsp_e)
      (case "HTTP-response-transfer-coding" (option string))
      (case "HTTP-response-content-coding" (option string))
      (case "HTTP-response-timeout")
      (case "HTTP-upgrade-failed")
      (case "HTTP-protocol-error")
      (case "loop-detected")
      (case "configuration-error")
      (case "internal-error" (option string))))
    (export "error-code" (type $ec_e (eq $ec)))
    (export "[constructor]fields" (func (result (own $fields))))
    (export "[constructor]outgoing-response" (func (param "headers" (own $fields)) (result (own $resp))))
    (export "[method]outgoing-response.set-status-code"
      (func (param "self" (borrow $resp)) (param "status-code" u16) (result (result))))
    (export "[static]response-outparam.set"
      (func (param "param" (own $out)) (param "response" (result (own $resp) (error $ec_e)))))
  ))
  (import "wasi:http/types@0.2.12" (instance $types (type $types_t)))
  (alias export $types "incoming-request" (type $req))
  (alias export $types "response-outparam" (type $out))

  ;; response-outparam.set reads its argument from linear memory, which the
  ;; main module defines: it is reached through a table filled after the
  ;; main module exists (the usual shim).
  (core module $Shim
    (type $set_t (func (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
    (table (export "$imports") 1 1 funcref)
    (func (export "set") (type $set_t)
      local.get 0 local.get 1 local.get 2 local.get 3 local.get 4
      local.get 5 local.get 6 local.get 7 local.get 8
      i32.const 0
      call_indirect (type $set_t)))
  (core instance $shim (instantiate $Shim))

  (core func $new_fields (canon lower (func $types "[constructor]fields")))
  (core func $new_response (canon lower (func $types "[constructor]outgoing-response")))
  (core func $set_status (canon lower (func $types "[method]outgoing-response.set-status-code")))
  (core func $drop_request (canon resource.drop $req))

  (core module $Main
    (import "http" "new-fields" (func $new_fields (result i32)))
    (import "http" "new-response" (func $new_response (param i32) (result i32)))
    (import "http" "set-status" (func $set_status (param i32 i32) (result i32)))
    (import "http" "set" (func $set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
    (import "http" "drop-request" (func $drop_request (param i32)))
    ;; 8 MiB to start with, up to 16.
    (memory (export "memory") 128 256)
    ;; The image: one segment in the first page, one 5 MiB in (past keep_resident).
    (data (i32.const 0x100) "\01\23\45\67\89\ab\cd\ef")
    (data (i32.const 0x500000) "\fe\dc\ba\98\76\54\32\10")
    ;; A table of its own, which it changes (so its instances' tables are
    ;; copied back on a reset: host/src/reuse.rs `changes_tables`).
    (table $own 1 funcref)
    (elem (table $own) (i32.const 0) func $check)

    ;; 0 if memory is the image and the table as instantiated, else the
    ;; number of the first check failed.
    (func $check (result i32) (local $at i32)
      (if (i64.ne (i64.load (i32.const 0x100)) (i64.const 0xefcdab8967452301)) (then (return (i32.const 1))))
      (if (i64.ne (i64.load (i32.const 0x500000)) (i64.const 0x1032547698badcfe)) (then (return (i32.const 2))))
      (if (i32.ne (memory.size) (i32.const 128)) (then (return (i32.const 3))))
      (if (ref.is_null (table.get $own (i32.const 0))) (then (return (i32.const 7))))
      ;; Zeros at every other 4 KiB page of the 8 MiB (2,048 loads).
      (local.set $at (i32.const 0x40))
      (loop $zeros
        (if (i64.ne (i64.load (local.get $at)) (i64.const 0)) (then (return (i32.const 4))))
        (local.set $at (i32.add (local.get $at) (i32.const 0x2000)))
        (br_if $zeros (i32.lt_u (local.get $at) (i32.const 0x800000))))
      (i32.const 0))

    ;; Leaves a trace everywhere $check looks; 0 if the grown memory was zeros.
    (func $dirty (result i32) (local $at i32)
      (table.set $own (i32.const 0) (ref.null func))
      (i64.store (i32.const 0x100) (i64.const -1))
      (i64.store (i32.const 0x500000) (i64.const -1))
      (local.set $at (i32.const 0x40))
      (loop $trace
        (i64.store (local.get $at) (i64.const 0x6e616e6f63616e79))
        (local.set $at (i32.add (local.get $at) (i32.const 0x2000)))
        (br_if $trace (i32.lt_u (local.get $at) (i32.const 0x800000))))
      ;; 4 MiB more: zeros when it comes, dirtied before the request ends.
      (if (i32.ne (memory.grow (i32.const 64)) (i32.const 128)) (then (return (i32.const 6))))
      (loop $grown
        (if (i64.ne (i64.load (local.get $at)) (i64.const 0)) (then (return (i32.const 5))))
        (i64.store (local.get $at) (i64.const 0x6e616e6f63616e79))
        (local.set $at (i32.add (local.get $at) (i32.const 0x2000)))
        (br_if $grown (i32.lt_u (local.get $at) (i32.const 0xc00000))))
      (i32.const 0))

    (func (export "handle") (param $request i32) (param $out i32)
      (local $failed i32) (local $response i32)
      (call $drop_request (local.get $request))
      (local.set $failed (call $check))
      (if (i32.eqz (local.get $failed)) (then (local.set $failed (call $dirty))))
      (local.set $response (call $new_response (call $new_fields)))
      (drop (call $set_status (local.get $response)
        (select (i32.const 200) (i32.add (i32.const 400) (local.get $failed)) (i32.eqz (local.get $failed)))))
      ;; Ok(response)
      (call $set (local.get $out) (i32.const 0) (local.get $response)
        (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
  (core instance $main (instantiate $Main
    (with "http" (instance
      (export "new-fields" (func $new_fields))
      (export "new-response" (func $new_response))
      (export "set-status" (func $set_status))
      (export "set" (func $shim "set"))
      (export "drop-request" (func $drop_request))))))

  (core func $set (canon lower (func $types "[static]response-outparam.set") (memory (core memory $main "memory"))))
  (core module $Fill
    (import "" "set" (func $set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
    (import "" "$imports" (table 1 1 funcref))
    (elem (i32.const 0) func $set))
  (core instance (instantiate $Fill
    (with "" (instance (export "set" (func $set)) (export "$imports" (table $shim "$imports"))))))

  (func $handle (param "request" (own $req)) (param "response-out" (own $out))
    (canon lift (core func $main "handle")))
  (instance $handler (export "handle" (func $handle)))
  (export "wasi:http/incoming-handler@0.2.12" (instance $handler)))
