#!/usr/bin/env node
// The holder's V8 flags first (see src/holder-v8-flags.ts), then the rest of the CLI.
import { applyHolderV8Flags } from '../dist/holder-v8-flags.js';
applyHolderV8Flags(process.argv);
const { main } = await import('../dist/main.js');
void main(process.argv);
