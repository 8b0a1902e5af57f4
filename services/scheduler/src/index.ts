export {
  type RunningScheduler,
  ScheduleConfigError,
  type SchedulerStats,
  type StartSchedulerOptions,
  startScheduler,
  type TickResult,
  validateSchedules,
} from './scheduler';
