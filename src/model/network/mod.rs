//! The network: links (registry egress, node NICs, node disks) shared by flows with exact max-min fairness.

pub mod bandwidth;
