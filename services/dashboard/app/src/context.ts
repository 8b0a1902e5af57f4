import type { ApiClient } from './api';
import type { ControlDef } from './types';

export interface AppContext {
  api: ApiClient;
  /** The control catalog, fetched once per session. */
  controls(): Promise<ControlDef[]>;
  navigate(hash: string): void;
}

/** A mounted screen; `dispose` stops its timers and pending polls. */
export interface View {
  el: HTMLElement;
  dispose?(): void;
}
