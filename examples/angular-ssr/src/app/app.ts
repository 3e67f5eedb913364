import { Component } from '@angular/core';
import { RouterOutlet } from '@angular/router';

/** The shell: the page comes from the router. */
@Component({ selector: 'app-root', imports: [RouterOutlet], template: '<router-outlet />' })
export class App {}
