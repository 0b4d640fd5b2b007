//! Native half of structuredClone (clone.js): JS node arrays to and from
//! the host's `nano:platform/clone` wire format.
//!
//! A JS node is an array `[tag, ...fields]` (tags as in clone.js); the
//! graph is an array of nodes, node 0 the root.

use crate::nano::platform::clone::{
    self, Array as ArrayNode, ArrayBuffer as BufferNode, BlobValue, DomExceptionValue, ErrorValue, FileValue, Node, Property, Regexp,
    View, ViewKind,
};
use rquickjs::{Array, Ctx, IntoJs, Result, TypedArray, Value};

const VIEW_KINDS: [ViewKind; 13] = [
    ViewKind::Int8,
    ViewKind::Uint8,
    ViewKind::Uint8Clamped,
    ViewKind::Int16,
    ViewKind::Uint16,
    ViewKind::Int32,
    ViewKind::Uint32,
    ViewKind::Float16,
    ViewKind::Float32,
    ViewKind::Float64,
    ViewKind::Bigint64,
    ViewKind::Biguint64,
    ViewKind::DataView,
];

fn data_clone_error(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    crate::hooks::throw_dom_exception(ctx, "DataCloneError", message)
}

fn props(flat: Array<'_>) -> Result<Vec<Property>> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut i = 0;
    while i + 1 < flat.len() {
        out.push(Property { key: flat.get(i)?, value: flat.get(i + 1)? });
        i += 2;
    }
    Ok(out)
}

fn to_node<'js>(n: Array<'js>) -> Result<Node> {
    let tag: u32 = n.get(0)?;
    Ok(match tag {
        0 => Node::Undefined,
        1 => Node::Null,
        2 => Node::Boolean(n.get(1)?),
        3 => Node::Number(n.get(1)?),
        4 => Node::Bigint(n.get(1)?),
        5 => Node::String(n.get(1)?),
        6 => Node::BooleanObject(n.get(1)?),
        7 => Node::NumberObject(n.get(1)?),
        8 => Node::BigintObject(n.get(1)?),
        9 => Node::StringObject(n.get(1)?),
        10 => Node::Date(n.get(1)?),
        11 => Node::Regexp(Regexp { source: n.get(1)?, flags: n.get(2)? }),
        12 => {
            let bytes: Value = n.get(1)?;
            Node::ArrayBuffer(BufferNode { bytes: crate::natives::bytes_of(&bytes)?, max_byte_length: n.get(2)? })
        }
        13 => {
            let kind: usize = n.get(1)?;
            Node::View(View {
                kind: *VIEW_KINDS.get(kind).ok_or(rquickjs::Error::Unknown)?,
                buffer: n.get(2)?,
                byte_offset: n.get(3)?,
                length: n.get(4)?,
            })
        }
        14 => {
            let flat: Vec<u32> = n.get(1)?;
            Node::Map(flat.chunks_exact(2).map(|kv| (kv[0], kv[1])).collect())
        }
        15 => Node::Set(n.get(1)?),
        16 => Node::Array(ArrayNode { length: n.get(1)?, properties: props(n.get(2)?)? }),
        17 => Node::Object(props(n.get(1)?)?),
        18 => {
            let cause: i64 = n.get(4)?;
            Node::Error(ErrorValue {
                name: n.get(1)?,
                message: n.get(2)?,
                stack: n.get(3)?,
                cause: u32::try_from(cause).ok(),
            })
        }
        19 => Node::DomException(DomExceptionValue { name: n.get(1)?, message: n.get(2)? }),
        20 => {
            let units: Value = n.get(1)?;
            let bytes = crate::natives::bytes_of(&units)?;
            Node::Utf16(bytes.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect())
        }
        21 => {
            let bytes: Value = n.get(1)?;
            Node::Blob(BlobValue { bytes: crate::natives::bytes_of(&bytes)?, type_: n.get(2)? })
        }
        22 => {
            let bytes: Value = n.get(1)?;
            Node::File(FileValue {
                bytes: crate::natives::bytes_of(&bytes)?,
                type_: n.get(2)?,
                name: n.get(3)?,
                last_modified: n.get(4)?,
            })
        }
        _ => return Err(rquickjs::Error::Unknown),
    })
}

pub fn serialize<'js>(ctx: Ctx<'js>, graph: Array<'js>) -> Result<TypedArray<'js, u8>> {
    let mut nodes = Vec::with_capacity(graph.len());
    for node in graph.iter::<Array>() {
        nodes.push(to_node(node?)?);
    }
    let bytes = clone::serialize(&nodes).map_err(|e| data_clone_error(&ctx, &e))?;
    TypedArray::new(ctx, bytes)
}

fn flat_props<'js>(ctx: &Ctx<'js>, props: Vec<Property>) -> Result<Array<'js>> {
    let arr = Array::new(ctx.clone())?;
    for (i, p) in props.into_iter().enumerate() {
        arr.set(2 * i, p.key)?;
        arr.set(2 * i + 1, p.value)?;
    }
    Ok(arr)
}

fn from_node<'js>(ctx: &Ctx<'js>, node: Node) -> Result<Value<'js>> {
    let items: Vec<Value<'js>> = match node {
        Node::Undefined => vec![0.into_js(ctx)?],
        Node::Null => vec![1.into_js(ctx)?],
        Node::Boolean(b) => vec![2.into_js(ctx)?, b.into_js(ctx)?],
        Node::Number(x) => vec![3.into_js(ctx)?, x.into_js(ctx)?],
        Node::Bigint(s) => vec![4.into_js(ctx)?, s.into_js(ctx)?],
        Node::String(s) => vec![5.into_js(ctx)?, s.into_js(ctx)?],
        Node::BooleanObject(b) => vec![6.into_js(ctx)?, b.into_js(ctx)?],
        Node::NumberObject(x) => vec![7.into_js(ctx)?, x.into_js(ctx)?],
        Node::BigintObject(s) => vec![8.into_js(ctx)?, s.into_js(ctx)?],
        Node::StringObject(s) => vec![9.into_js(ctx)?, s.into_js(ctx)?],
        Node::Date(t) => vec![10.into_js(ctx)?, t.into_js(ctx)?],
        Node::Regexp(r) => vec![11.into_js(ctx)?, r.source.into_js(ctx)?, r.flags.into_js(ctx)?],
        Node::ArrayBuffer(b) => vec![
            12.into_js(ctx)?,
            TypedArray::<u8>::new(ctx.clone(), b.bytes)?.into_value(),
            b.max_byte_length.into_js(ctx)?,
        ],
        Node::View(v) => {
            let kind = VIEW_KINDS.iter().position(|k| *k == v.kind).unwrap_or(1);
            vec![13.into_js(ctx)?, kind.into_js(ctx)?, v.buffer.into_js(ctx)?, v.byte_offset.into_js(ctx)?, v.length.into_js(ctx)?]
        }
        Node::Map(entries) => {
            let flat: Vec<u32> = entries.into_iter().flat_map(|(k, v)| [k, v]).collect();
            vec![14.into_js(ctx)?, flat.into_js(ctx)?]
        }
        Node::Set(items) => vec![15.into_js(ctx)?, items.into_js(ctx)?],
        Node::Array(a) => vec![16.into_js(ctx)?, a.length.into_js(ctx)?, flat_props(ctx, a.properties)?.into_value()],
        Node::Object(p) => vec![17.into_js(ctx)?, flat_props(ctx, p)?.into_value()],
        Node::Error(e) => vec![
            18.into_js(ctx)?,
            e.name.into_js(ctx)?,
            e.message.into_js(ctx)?,
            e.stack.into_js(ctx)?,
            e.cause.map(i64::from).unwrap_or(-1).into_js(ctx)?,
        ],
        Node::DomException(d) => vec![19.into_js(ctx)?, d.name.into_js(ctx)?, d.message.into_js(ctx)?],
        Node::Utf16(units) => vec![20.into_js(ctx)?, TypedArray::<u16>::new(ctx.clone(), units)?.into_value()],
        Node::Blob(b) => vec![21.into_js(ctx)?, TypedArray::<u8>::new(ctx.clone(), b.bytes)?.into_value(), b.type_.into_js(ctx)?],
        Node::File(f) => vec![
            22.into_js(ctx)?,
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
