/**
 * Types of `@remote-ui/react/host` (4.5): the package ships them, but its `exports` map points TypeScript
 * at a file it does not contain (`build/ts/host.d.ts`), so the two exports the fake host uses are declared
 * here as that package's `build/ts/host/*.d.ts` declares them.
 */
declare module '@remote-ui/react/host' {
  import type { ComponentType, NamedExoticComponent, ReactNode } from 'react';
  import type { RemoteReceiver } from '@remote-ui/core';

  export interface Controller {
    get(type: string): ComponentType<never>;
    renderer: { renderComponent(props: unknown): ReactNode; renderText(props: unknown): ReactNode };
  }
  export function createController(components: Readonly<Record<string, ComponentType<never>>>): Controller;
  export const RemoteRenderer: NamedExoticComponent<{ receiver: RemoteReceiver; controller: Controller }>;
}
