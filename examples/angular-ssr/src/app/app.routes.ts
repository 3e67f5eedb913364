import type { Routes } from '@angular/router';
import { Home } from './home';

/** One page; Angular's SSR engine needs the router to map requests to pages. */
export const routes: Routes = [{ path: '**', component: Home }];
