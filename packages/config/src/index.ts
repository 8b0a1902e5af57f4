export {
  ConfigError,
  type ConfigIssue,
  checkCron,
  type LogLevel,
  loadConfig,
  type OrgConfig,
  type RecoveryConfig,
  type RootwatchConfig,
  redactUrl,
} from './config';
export {
  CONFIG_VARIABLES,
  type ConfigVariable,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_REGION,
  DEFAULT_SCHEDULE,
} from './variables';
