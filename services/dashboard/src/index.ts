export { buildDashboardIfMissing } from './build';
export {
  type DashboardHost,
  type DashboardOptions,
  defaultDistDir,
  isDashboardBuilt,
  registerDashboard,
} from './dashboard.plugin';
