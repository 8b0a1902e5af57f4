export { COMMANDS, type CommandName } from './commands';
export { type DriftChange, planDrift } from './drift-plan';
export { EXIT } from './errors';
export { renderCsv } from './report/csv';
export { buildRunReport } from './report/from-run';
export { renderJson } from './report/json';
export {
  FAIL_ON_LEVELS,
  type FailOnLevel,
  failuresAtOrAbove,
  type ReportAccount,
  type ReportControl,
  type ReportOutcome,
  type ReportSummary,
  type ScanReport,
  summarize,
} from './report/model';
export { renderTable } from './report/table';
