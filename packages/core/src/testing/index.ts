/** `@holdfast/core/testing`: test doubles for code that drives the holder's processes. */
export { FakeChild, FakeProcessHost, flushMicrotasks } from './fake-process-host.js';
