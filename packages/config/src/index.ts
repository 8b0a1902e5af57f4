export {
  ACCESS_MODES,
  type AccessMode,
  type AwsRequestBudgets,
  ConfigError,
  checkCron,
  DEFAULT_AWS_BUDGETS,
  type LogLevel,
  loadConfig,
  NO_AWS_BUDGETS,
  type OrgConfig,
  type RootwatchConfig,
  redactUrl,
} from './config';
export {
  CONFIG_VARIABLES,
  type DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  DEFAULT_HEALTH,
  DEFAULT_SCHEDULE,
  DEFAULT_TAG_READS_PER_SCAN,
} from './variables';
