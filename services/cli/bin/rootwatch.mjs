#!/usr/bin/env node
// The CLI runs from TypeScript source in this same process (tsx loader, a runtime dependency), so
// signals reach it directly; the container image runs it the same way.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
