export {
  type AwsRequestBudgets,
  ConfigError,
  type ConfigIssue,
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
  type ConfigVariable,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_REGION,
  DEFAULT_SCHEDULE,
} from './variables';
