export {
  type DashboardHost,
  type DashboardOptions,
  defaultDistDir,
  registerDashboard,
} from './dashboard.plugin';
