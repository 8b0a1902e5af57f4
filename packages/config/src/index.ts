export {
  ConfigError,
  type ConfigIssue,
  checkCron,
  type LogLevel,
  loadConfig,
  type OrgConfig,
  type RootwatchConfig,
  redactUrl,
  type TrustProxy,
} from './config';
export {
  CONFIG_VARIABLES,
  type ConfigVariable,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_REGION,
  DEFAULT_SCHEDULE,
} from './variables';
