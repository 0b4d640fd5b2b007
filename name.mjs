try { const r = await fetch('http://localhost:38123/'); console.log('reached', await r.text()); } catch (e) { console.log(e.name, e.message); }
export {};
