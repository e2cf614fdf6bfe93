/** The demo shop `npm start` seeds on an empty database (src/demo-seed.ts), as the demo pages know it. */
export interface DemoShop {
  shopId: string;
  secretKey: string;
  created: boolean;
}
