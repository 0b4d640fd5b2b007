//! `nano:platform/clone`: the wire format of structuredClone. Nodes are
//! encoded with postcard; the host checks that every reference points at a
//! node of the right kind and enforces the size and depth limits, so a
//! graph over them is a DataCloneError in the guest, never a trap.

use crate::bindings::nano::platform::clone::{Host, Node};
use crate::state::State;

/// Format version, first byte of every payload (2: keys and error texts as
/// UTF-8 or code units, length-tracking views).
const FORMAT: u8 = 2;

impl Host for State {
    fn serialize(&mut self, nodes: Vec<Node>) -> Result<Vec<u8>, String> {
        let (max_bytes, max_depth) = self.clone_limits;
        check_graph(&nodes, max_depth)?;
        let mut bytes = vec![FORMAT];
        bytes = postcard::to_extend(&nodes, bytes).map_err(|e| format!("encoding failed: {e}"))?;
        if bytes.len() > max_bytes {
            return Err(format!(
                "the value is too large to clone: {} bytes serialised, the limit is {max_bytes}",
                bytes.len()
            ));
        }
        Ok(bytes)
    }

    fn deserialize(&mut self, bytes: Vec<u8>) -> Result<Vec<Node>, String> {
        let (_, max_depth) = self.clone_limits;
        match bytes.split_first() {
            Some((&FORMAT, rest)) => {
                let nodes: Vec<Node> = postcard::from_bytes(rest).map_err(|e| format!("corrupt clone payload: {e}"))?;
                check_graph(&nodes, max_depth)?;
                Ok(nodes)
            }
            _ => Err("not a clone payload of this version".into()),
        }
    }
}

/// Children of a node, by index.
fn children(node: &Node) -> Vec<u32> {
    match node {
        Node::View(v) => vec![v.buffer],
        Node::Map(entries) => entries.iter().flat_map(|&(k, v)| [k, v]).collect(),
        Node::Set(items) => items.clone(),
        Node::Array(a) => a.properties.iter().map(|p| p.value).collect(),
        Node::Object(props) => props.iter().map(|p| p.value).collect(),
        Node::Error(e) => e.cause.into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Every index in range, views over array buffers, and no path from the
/// root deeper than `max_depth` (counted over first visits, so cycles end).
fn check_graph(nodes: &[Node], max_depth: usize) -> Result<(), String> {
    if nodes.is_empty() {
        return Err("an empty graph".into());
    }
    let mut depth_of = vec![usize::MAX; nodes.len()];
    let mut stack = vec![(0u32, 0usize)];
    depth_of[0] = 0;
    while let Some((index, depth)) = stack.pop() {
        if depth > max_depth {
            return Err(format!("the value is nested too deeply to clone (limit {max_depth})"));
        }
        let node = &nodes[index as usize];
        if let Node::View(v) = node {
            if !matches!(nodes.get(v.buffer as usize), Some(Node::ArrayBuffer(_))) {
                return Err(format!("node {index}: a view must refer to an ArrayBuffer"));
            }
        }
        for child in children(node) {
            let slot = depth_of
                .get_mut(child as usize)
                .ok_or_else(|| format!("node {index} refers to node {child}, which does not exist"))?;
            if *slot == usize::MAX {
                *slot = depth + 1;
                stack.push((child, depth + 1));
            }
        }
    }
    Ok(())
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::clone::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::nano::platform::clone::{Property, Text, View, ViewKind};

    fn state(max_bytes: usize, max_depth: usize) -> State {
        let limits =
            crate::limits::AppLimits { clone_max_bytes: max_bytes, clone_max_depth: max_depth, ..Default::default() };
        let app = crate::app::AppConfig::new("test", limits);
        State::new(wasmtime_wasi::WasiCtx::builder().build(), crate::state::LogSink::Stdio, &app)
    }

    #[test]
    fn round_trips_values_exactly() {
        let nodes = vec![
            Node::Array(crate::bindings::nano::platform::clone::Array {
                length: 3,
                properties: vec![
                    Property { key: Text::Utf8("0".into()), value: 1 },
                    Property { key: Text::Utf16(vec![0xd800, 0x61]), value: 0 },
                ],
            }),
            Node::Number(-0.0),
            Node::ArrayBuffer(crate::bindings::nano::platform::clone::ArrayBuffer {
                bytes: vec![1, 2],
                max_byte_length: Some(16),
            }),
            Node::View(View { kind: ViewKind::Uint8, buffer: 2, byte_offset: 0, length: None }),
        ];
        let mut s = state(1 << 20, 100);
        let bytes = s.serialize(nodes.clone()).unwrap();
        let back = s.deserialize(bytes).unwrap();
        assert_eq!(format!("{back:?}"), format!("{nodes:?}"));
        assert!(matches!(back[1], Node::Number(n) if n == 0.0 && n.is_sign_negative()));
    }

    #[test]
    fn limits_and_bad_references_are_errors() {
        let deep: Vec<Node> = (0..50).map(|i| Node::Set(if i < 49 { vec![i + 1] } else { vec![] })).collect();
        assert!(state(1 << 20, 10).serialize(deep.clone()).unwrap_err().contains("nested too deeply"));
        assert!(state(1 << 20, 100).serialize(deep).is_ok());
        let big = vec![Node::String("x".repeat(1000))];
        assert!(state(100, 10).serialize(big).unwrap_err().contains("too large"));
        let dangling = vec![Node::Set(vec![7])];
        assert!(state(1 << 20, 10).serialize(dangling).unwrap_err().contains("does not exist"));
        let bad_view = vec![Node::View(View { kind: ViewKind::Uint8, buffer: 0, byte_offset: 0, length: Some(0) })];
        assert!(state(1 << 20, 10).serialize(bad_view).unwrap_err().contains("ArrayBuffer"));
        assert!(state(1 << 20, 10).deserialize(vec![99, 1, 2]).is_err());
        assert!(state(1 << 20, 10).deserialize(vec![FORMAT, 0xff, 0xff]).is_err());
    }
}
