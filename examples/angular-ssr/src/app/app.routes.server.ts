import { RenderMode, type ServerRoute } from '@angular/ssr';

/** Every page is rendered per request: the flags depend on who asks. */
export const serverRoutes: ServerRoute[] = [{ path: '**', renderMode: RenderMode.Server }];
