export { buildDashboardIfMissing } from './build';
export { isDashboardBuilt, registerDashboard } from './dashboard.plugin';
