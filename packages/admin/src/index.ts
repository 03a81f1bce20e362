export { AdminServer } from './admin-server';
export type { AdminServerOptions, AdminRoute, AdminReply } from './admin-server';
