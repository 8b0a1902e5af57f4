export { type RunningScheduler, startScheduler } from './scheduler';
