//! `nano-host exec`: one script in a fresh engine, run until its event loop
//! is empty.

use crate::engine;
use crate::event_loop::{run_to_completion, Rejections};

impl crate::exports::nano::platform::exec::Guest for crate::Component {
    fn run() -> Result<(), String> {
        engine::create(false)?;
        engine::apply_memory_limit();
        let entry = crate::modules::take_graph().ok_or("the host gave no script to run")?;
        engine::with(|ctx, hooks| {
            crate::init::evaluate(ctx, hooks, &entry, Rejections::Fatal)?;
            run_to_completion(ctx, hooks, Rejections::Fatal)
        })
    }
}
