// A worker that exits at once: a reload to it must roll back (used by `run.mjs --fault reload`).
process.exit(3);
