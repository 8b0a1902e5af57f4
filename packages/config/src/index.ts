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
  type TrustProxy,
} from './config';
export {
  CONFIG_VARIABLES,
  type ConfigVariable,
  type DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  DEFAULT_HEALTH,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_REGION,
  DEFAULT_SCHEDULE,
  DEFAULT_TAG_READS_PER_SCAN,
  type HealthConfig,
} from './variables';
