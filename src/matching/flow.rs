//! The flow network the class graph is built into.

/// One arc of the network as built: `from → to`, capacity, cost per unit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ArcSpec {
    pub from: u32,
    pub to: u32,
    pub cap: i32,
    pub cost: i64,
}

/// A flow problem: arcs and node supplies (positive = source).
#[derive(Debug, Default)]
pub(crate) struct Network {
    pub supply: Vec<i64>,
    pub arcs: Vec<ArcSpec>,
}
