//! The native helpers the JS prelude is built on: one module, `nano:native`,
//! declared here and nowhere else. Prelude modules import it
//! (`import * as native from 'nano:native'`); app code cannot (see
//! engine.rs's resolver). Each helper lives with its web API under `apis/`.

use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{qjs, ArrayBuffer, Ctx, Function, Result, TypedArray, Value};

/// The name prelude modules import the natives by.
pub const MODULE: &str = "nano:native";

macro_rules! natives {
    ($($name:literal => $f:path,)*) => {
        /// The `nano:native` module.
        pub struct Natives;

        impl ModuleDef for Natives {
            fn declare<'js>(decl: &Declarations<'js>) -> Result<()> {
                $(decl.declare($name)?;)*
                Ok(())
            }

            fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
                $(exports.export($name, Function::new(ctx.clone(), $f)?.with_name($name)?)?;)*
                Ok(())
            }
        }
    };
}

natives! {
    // init.rs: whether top-level code is running (the snapshot rules)
    "atBuildTime" => crate::init::at_build_time,
    // apis::console
    "log" => crate::apis::console::write,
    // apis::timers
    "now" => crate::apis::timers::now_ms,
    // apis::globals
    "random" => crate::apis::globals::random,
    // apis::encoding
    "utf8Encode" => crate::apis::encoding::utf8_encode,
    "utf8Decode" => crate::apis::encoding::utf8_decode,
    "encodingLookup" => crate::apis::encoding::lookup,
    "decoderNew" => crate::apis::encoding::decoder_new,
    "decoderDecode" => crate::apis::encoding::decoder_decode,
    "decoderDrop" => crate::apis::encoding::decoder_drop,
    // apis::intl
    "intlCanonicalize" => crate::apis::intl::canonicalize,
    "intlSupported" => crate::apis::intl::supported,
    "intlResolve" => crate::apis::intl::resolve,
    "intlLocale" => crate::apis::intl::locale,
    "intlSegment" => crate::apis::intl::segment,
    "intlDrop" => crate::apis::intl::drop_formatter,
    "numberFormatNew" => crate::apis::intl::number_format_new,
    "numberFormat" => crate::apis::intl::number_format,
    "pluralRulesNew" => crate::apis::intl::plural_rules_new,
    "pluralSelect" => crate::apis::intl::plural_select,
    "pluralCategories" => crate::apis::intl::plural_categories,
    "collatorNew" => crate::apis::intl::collator_new,
    "collatorCompare" => crate::apis::intl::collator_compare,
    "listFormatNew" => crate::apis::intl::list_format_new,
    "listFormat" => crate::apis::intl::list_format,
    "timeZone" => crate::apis::intl::time_zone,
    "dateTimeFormatNew" => crate::apis::intl::date_time_format_new,
    "dateTimeFormat" => crate::apis::intl::date_time_format,
    "relativeTimeFormatNew" => crate::apis::intl::relative_time_format_new,
    "relativeTimeFormat" => crate::apis::intl::relative_time_format,
    "displayNamesNew" => crate::apis::intl::display_names_new,
    "displayNamesOf" => crate::apis::intl::display_names_of,
    // apis::env
    "envVars" => crate::apis::env::vars,
    "envGlobals" => crate::apis::env::globals,
    // apis::incoming
    "requestBody" => crate::apis::incoming::request_body,
    "requestHeaders" => crate::apis::incoming::request_headers,
    "waitUntilUsed" => crate::apis::incoming::wait_until_used,
    // apis::fetch::bodies
    "bodyRead" => crate::apis::fetch::bodies::read,
    "bodyCancel" => crate::apis::fetch::bodies::cancel,
    "sinkWrite" => crate::apis::fetch::bodies::sink_write,
    "sinkForward" => crate::apis::fetch::bodies::sink_forward,
    "pipeDeferred" => crate::event_loop::pipe_deferred,
    "sinkClose" => crate::apis::fetch::bodies::sink_close,
    "sinkAbort" => crate::apis::fetch::bodies::sink_abort,
    // apis::streams
    "uponPromise" => crate::apis::streams::upon_promise,
    "markHandled" => crate::apis::streams::mark_handled,
    // apis::url
    "urlPartNames" => crate::apis::url::part_names,
    "urlParse" => crate::apis::url::url_parse,
    "requestUrlParts" => crate::apis::url::request_url_parts,
    "urlSet" => crate::apis::url::url_set,
    "queryParse" => crate::apis::url::query_parse,
    "querySerialize" => crate::apis::url::query_serialize,
    "urlPatternParse" => crate::apis::url::url_pattern_parse,
    "urlPatternMatchInput" => crate::apis::url::url_pattern_match_input,
    // apis::clone
    "cloneNodeCases" => crate::apis::clone::node_cases,
    "cloneSerialize" => crate::apis::clone::serialize,
    "cloneDeserialize" => crate::apis::clone::deserialize,
    // apis::fetch
    "fetchStart" => crate::apis::fetch::start,
    "fetchAbort" => crate::apis::fetch::abort,
    "isByteString" => crate::apis::fetch::header_checks::is_byte_string,
    "headerName" => crate::apis::fetch::header_checks::header_name,
    "headerValue" => crate::apis::fetch::header_checks::header_value,
    "headerRecord" => crate::apis::fetch::header_checks::header_record,
    "flatHeaderRecord" => crate::apis::fetch::header_checks::flat_header_record,
    // apis::crypto
    "randomBytes" => crate::apis::crypto::random_bytes,
    "digest" => crate::apis::crypto::digest,
    "hmacImport" => crate::apis::crypto::hmac_import,
    "hmacGenerate" => crate::apis::crypto::hmac_generate,
    "hmacSign" => crate::apis::crypto::hmac_sign,
    "hmacVerify" => crate::apis::crypto::hmac_verify,
    "keyExportRaw" => crate::apis::crypto::export_raw,
    "keyDrop" => crate::apis::crypto::key_drop,
    "deriveImport" => crate::apis::crypto::derive_import,
    "aesImport" => crate::apis::crypto::aes_import,
    "aesGenerate" => crate::apis::crypto::aes_generate,
    "aesEncrypt" => crate::apis::crypto::aes_encrypt,
    "aesDecrypt" => crate::apis::crypto::aes_decrypt,
    "keyPairGenerate" => crate::apis::crypto::key_pair_generate,
    "keyImport" => crate::apis::crypto::key_import,
    "keyImportJwk" => crate::apis::crypto::key_import_jwk,
    "keyExport" => crate::apis::crypto::key_export,
    "keyExportJwk" => crate::apis::crypto::key_export_jwk,
    "keyInfo" => crate::apis::crypto::key_info,
    "sign" => crate::apis::crypto::sign,
    "verify" => crate::apis::crypto::verify,
    "deriveShared" => crate::apis::crypto::derive_shared,
    "rsaOaep" => crate::apis::crypto::rsa_oaep,
    "deriveKey" => crate::apis::crypto::derive_key,
    "unwrapKey" => crate::apis::crypto::unwrap_key,
    "digestNew" => crate::apis::crypto::digest_new,
    "digestUpdate" => crate::apis::crypto::digest_update,
    "digestFinish" => crate::apis::crypto::digest_finish,
    "hkdfDeriveBits" => crate::apis::crypto::hkdf_derive_bits,
    "pbkdf2DeriveBits" => crate::apis::crypto::pbkdf2_derive_bits,
    // apis::compression
    "coderNew" => crate::apis::compression::coder_new,
    "coderPush" => crate::apis::compression::coder_push,
    "coderFinish" => crate::apis::compression::coder_finish,
    "coderPull" => crate::apis::compression::coder_pull,
    "coderDrop" => crate::apis::compression::coder_drop,
    "collectGarbage" => crate::apis::compression::collect_garbage,
    // apis::webassembly
    "wasmInit" => crate::apis::webassembly::init,
    "wasmValidate" => crate::apis::webassembly::validate,
    "wasmCompile" => crate::apis::webassembly::compile,
    "wasmModuleImports" => crate::apis::webassembly::module_imports,
    "wasmModuleExports" => crate::apis::webassembly::module_exports,
    "wasmModuleCustomSections" => crate::apis::webassembly::module_custom_sections,
    "wasmInstantiate" => crate::apis::webassembly::instantiate,
    "wasmMemoryNew" => crate::apis::webassembly::memory_new,
    "wasmMemoryBuffer" => crate::apis::webassembly::memory_buffer,
    "wasmMemoryGrow" => crate::apis::webassembly::memory_grow,
    "wasmTableNew" => crate::apis::webassembly::table_new,
    "wasmTableLength" => crate::apis::webassembly::table_length,
    "wasmTableGet" => crate::apis::webassembly::table_get,
    "wasmTableSet" => crate::apis::webassembly::table_set,
    "wasmTableGrow" => crate::apis::webassembly::table_grow,
    "wasmGlobalNew" => crate::apis::webassembly::global_new,
    "wasmGlobalGet" => crate::apis::webassembly::global_get,
    "wasmGlobalSet" => crate::apis::webassembly::global_set,
}

/// Runs `f` on the string's UTF-8 bytes (lone surrogates as CESU-8; a JS
/// string's code units up to U+00FF are exactly the one-byte and
/// `C2`/`C3`-led two-byte sequences).
pub fn with_utf8<R>(ctx: &Ctx<'_>, s: &Value<'_>, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
    if !s.is_string() {
        return Ok(None);
    }
    let mut len = 0usize;
    // Safety: `s` is a live string of this context; the pointer stays valid
    // until JS_FreeCString, and nothing runs JS in between.
    unsafe {
        let ptr = qjs::JS_ToCStringLen(ctx.as_raw().as_ptr(), &mut len, s.as_raw());
        if ptr.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let answer = f(std::slice::from_raw_parts(ptr.cast::<u8>(), len));
        qjs::JS_FreeCString(ctx.as_raw().as_ptr(), ptr);
        Ok(Some(answer))
    }
}

/// Copies the bytes of a Uint8Array, Uint16Array or ArrayBuffer.
pub fn bytes_of<'js>(value: &Value<'js>) -> Result<Vec<u8>> {
    // Copied at once: the pointer is only valid until JS runs again.
    if let Ok(view) = TypedArray::<u8>::from_value(value.clone()) {
        return Ok(view.as_raw().map(|p| unsafe { p.as_ref() }.to_vec()).unwrap_or_default());
    }
    if let Ok(view) = TypedArray::<u16>::from_value(value.clone()) {
        return Ok(view.as_raw().map(|p| unsafe { p.as_ref() }.to_vec()).unwrap_or_default());
    }
    if let Some(buf) = ArrayBuffer::from_value(value.clone()) {
        return Ok(buf.as_raw().map(|p| unsafe { p.as_ref() }.to_vec()).unwrap_or_default());
    }
    Err(rquickjs::Error::new_from_js("value", "Uint8Array"))
}
