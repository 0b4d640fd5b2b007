//! Native half of structuredClone (clone.js): JS node arrays to and from
//! the host's `nano:platform/clone` wire format.
//!
//! A JS node is an array `[tag, ...fields]`; the graph is an array of
//! nodes, node 0 the root. A tag is the index of the node's case in the WIT
//! `node` variant: clone.js reads the case names in that order from
//! `node_cases` (generated from the WIT), so no table of numbers is kept by
//! hand, and a graph of many small nodes pays no string compare per node.

use crate::nano::platform::clone::{
    self, Array as ArrayNode, ArrayBuffer as BufferNode, BlobValue, DomExceptionValue, ErrorValue, FileValue, Node,
    Property, Regexp, Text, View,
};
use crate::wit_names::{clone::NodeCase, WitEnum};
use rquickjs::{Array, Ctx, Exception, IntoJs, Result, TypedArray, Value};

fn data_clone_error(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    crate::hooks::throw_dom_exception(ctx, "DataCloneError", message)
}

fn props(flat: Array<'_>) -> Result<Vec<Property>> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut i = 0;
    while i + 1 < flat.len() {
        out.push(Property { key: text(flat.get(i)?)?, value: flat.get(i + 1)? });
        i += 2;
    }
    Ok(out)
}

/// A string clone.js passes as itself when well-formed, else as the
/// Uint16Array of its code units (`wireText`).
fn text(value: Value<'_>) -> Result<Text> {
    match value.as_string() {
        Some(s) => Ok(Text::Utf8(s.to_string()?)),
        None => Ok(Text::Utf16(code_units(value)?)),
    }
}

fn optional_text(value: Value<'_>) -> Result<Option<Text>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    text(value).map(Some)
}

/// The other way: a string, or the code units clone.js turns back into one.
fn text_to_js<'js>(ctx: &Ctx<'js>, text: Text) -> Result<Value<'js>> {
    match text {
        Text::Utf8(s) => s.into_js(ctx),
        Text::Utf16(units) => Ok(TypedArray::<u16>::new(ctx.clone(), units)?.into_value()),
    }
}

fn optional_text_to_js<'js>(ctx: &Ctx<'js>, text: Option<Text>) -> Result<Value<'js>> {
    match text {
        Some(t) => text_to_js(ctx, t),
        None => Ok(Value::new_undefined(ctx.clone())),
    }
}

/// The WIT `node` case names, in the order their indexes number them.
pub fn node_cases() -> Vec<&'static str> {
    NodeCase::ALL.iter().map(|case| case.wit_name()).collect()
}

/// The code units of a Uint16Array (clone.js's `stringToUnits`).
fn code_units(units: Value<'_>) -> Result<Vec<u16>> {
    let bytes = crate::natives::bytes_of(&units)?;
    Ok(bytes.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect())
}

fn to_node<'js>(ctx: &Ctx<'js>, n: Array<'js>) -> Result<Node> {
    let tag: u32 = n.get(0)?;
    let case = NodeCase::from_wit_index(tag)
        .ok_or_else(|| Exception::throw_type(ctx, &format!("{tag} is not a case of WIT {}", NodeCase::WIT_TYPE)))?;
    Ok(match case {
        NodeCase::Undefined => Node::Undefined,
        NodeCase::Null => Node::Null,
        NodeCase::Boolean => Node::Boolean(n.get(1)?),
        NodeCase::Number => Node::Number(n.get(1)?),
        NodeCase::Bigint => Node::Bigint(n.get(1)?),
        NodeCase::String => Node::String(n.get(1)?),
        NodeCase::BooleanObject => Node::BooleanObject(n.get(1)?),
        NodeCase::NumberObject => Node::NumberObject(n.get(1)?),
        NodeCase::BigintObject => Node::BigintObject(n.get(1)?),
        NodeCase::StringObject => Node::StringObject(n.get(1)?),
        NodeCase::Date => Node::Date(n.get(1)?),
        NodeCase::Regexp => Node::Regexp(Regexp { source: n.get(1)?, flags: n.get(2)? }),
        NodeCase::ArrayBuffer => {
            let bytes: Value = n.get(1)?;
            Node::ArrayBuffer(BufferNode { bytes: crate::natives::bytes_of(&bytes)?, max_byte_length: n.get(2)? })
        }
        NodeCase::View => {
            Node::View(View { kind: n.get(1)?, buffer: n.get(2)?, byte_offset: n.get(3)?, length: n.get(4)? })
        }
        NodeCase::Map => {
            let flat: Vec<u32> = n.get(1)?;
            Node::Map(flat.chunks_exact(2).map(|kv| (kv[0], kv[1])).collect())
        }
        NodeCase::Set => Node::Set(n.get(1)?),
        NodeCase::Array => Node::Array(ArrayNode { length: n.get(1)?, properties: props(n.get(2)?)? }),
        NodeCase::Object => Node::Object(props(n.get(1)?)?),
        NodeCase::Error => {
            let cause: i64 = n.get(4)?;
            Node::Error(ErrorValue {
                name: n.get(1)?,
                message: optional_text(n.get(2)?)?,
                stack: optional_text(n.get(3)?)?,
                cause: u32::try_from(cause).ok(),
            })
        }
        NodeCase::DomException => Node::DomException(DomExceptionValue { name: n.get(1)?, message: n.get(2)? }),
        NodeCase::Utf16 => Node::Utf16(code_units(n.get(1)?)?),
        NodeCase::Utf16Object => Node::Utf16Object(code_units(n.get(1)?)?),
        NodeCase::Blob => {
            let bytes: Value = n.get(1)?;
            Node::Blob(BlobValue { bytes: crate::natives::bytes_of(&bytes)?, type_: n.get(2)? })
        }
        NodeCase::File => {
            let bytes: Value = n.get(1)?;
            Node::File(FileValue {
                bytes: crate::natives::bytes_of(&bytes)?,
                type_: n.get(2)?,
                name: n.get(3)?,
                last_modified: n.get(4)?,
            })
        }
    })
}

pub fn serialize<'js>(ctx: Ctx<'js>, graph: Array<'js>) -> Result<TypedArray<'js, u8>> {
    let mut nodes = Vec::with_capacity(graph.len());
    for node in graph.iter::<Array>() {
        nodes.push(to_node(&ctx, node?)?);
    }
    let bytes = clone::serialize(&nodes).map_err(|e| data_clone_error(&ctx, &e))?;
    TypedArray::new(ctx, bytes)
}

fn flat_props<'js>(ctx: &Ctx<'js>, props: Vec<Property>) -> Result<Array<'js>> {
    let arr = Array::new(ctx.clone())?;
    for (i, p) in props.into_iter().enumerate() {
        arr.set(2 * i, text_to_js(ctx, p.key)?)?;
        arr.set(2 * i + 1, p.value)?;
    }
    Ok(arr)
}

fn from_node<'js>(ctx: &Ctx<'js>, node: Node) -> Result<Value<'js>> {
    let tag = node.case().wit_index().into_js(ctx)?;
    let items: Vec<Value<'js>> = match node {
        Node::Undefined => vec![tag],
        Node::Null => vec![tag],
        Node::Boolean(b) => vec![tag, b.into_js(ctx)?],
        Node::Number(x) => vec![tag, x.into_js(ctx)?],
        Node::Bigint(s) => vec![tag, s.into_js(ctx)?],
        Node::String(s) => vec![tag, s.into_js(ctx)?],
        Node::BooleanObject(b) => vec![tag, b.into_js(ctx)?],
        Node::NumberObject(x) => vec![tag, x.into_js(ctx)?],
        Node::BigintObject(s) => vec![tag, s.into_js(ctx)?],
        Node::StringObject(s) => vec![tag, s.into_js(ctx)?],
        Node::Date(t) => vec![tag, t.into_js(ctx)?],
        Node::Regexp(r) => vec![tag, r.source.into_js(ctx)?, r.flags.into_js(ctx)?],
        Node::ArrayBuffer(b) => {
            vec![tag, TypedArray::<u8>::new(ctx.clone(), b.bytes)?.into_value(), b.max_byte_length.into_js(ctx)?]
        }
        Node::View(v) => {
            vec![tag, v.kind.into_js(ctx)?, v.buffer.into_js(ctx)?, v.byte_offset.into_js(ctx)?, v.length.into_js(ctx)?]
        }
        Node::Map(entries) => {
            let flat: Vec<u32> = entries.into_iter().flat_map(|(k, v)| [k, v]).collect();
            vec![tag, flat.into_js(ctx)?]
        }
        Node::Set(items) => vec![tag, items.into_js(ctx)?],
        Node::Array(a) => vec![tag, a.length.into_js(ctx)?, flat_props(ctx, a.properties)?.into_value()],
        Node::Object(p) => vec![tag, flat_props(ctx, p)?.into_value()],
        Node::Error(e) => vec![
            tag,
            e.name.into_js(ctx)?,
            optional_text_to_js(ctx, e.message)?,
            optional_text_to_js(ctx, e.stack)?,
            e.cause.map(i64::from).unwrap_or(-1).into_js(ctx)?,
        ],
        Node::DomException(d) => vec![tag, d.name.into_js(ctx)?, d.message.into_js(ctx)?],
        Node::Utf16(units) | Node::Utf16Object(units) => {
            vec![tag, TypedArray::<u16>::new(ctx.clone(), units)?.into_value()]
        }
        Node::Blob(b) => vec![tag, TypedArray::<u8>::new(ctx.clone(), b.bytes)?.into_value(), b.type_.into_js(ctx)?],
        Node::File(f) => vec![
            tag,
            TypedArray::<u8>::new(ctx.clone(), f.bytes)?.into_value(),
            f.type_.into_js(ctx)?,
            f.name.into_js(ctx)?,
            f.last_modified.into_js(ctx)?,
        ],
    };
    items.into_js(ctx)
}

pub fn deserialize<'js>(ctx: Ctx<'js>, bytes: Value<'js>) -> Result<Array<'js>> {
    let bytes = crate::natives::bytes_of(&bytes)?;
    let nodes = clone::deserialize(&bytes).map_err(|e| data_clone_error(&ctx, &e))?;
    let out = Array::new(ctx.clone())?;
    for (i, node) in nodes.into_iter().enumerate() {
        out.set(i, from_node(&ctx, node)?)?;
    }
    Ok(out)
}
