export { Random } from './random.js';
export {
  BOUTIQUES,
  WEB_SHOP,
  UNITS_PER_EUR,
  CURRENCY_EXPONENT,
  type DemoBoutique,
} from './boutiques.js';
export { CATALOGUE, productBySku, type DemoProduct } from './catalogue.js';
export { demoName, type DemoName, type Culture } from './names.js';
export { localIso, offsetMinutes } from './time.js';
export {
  generateDemoData,
  localPriceMinor,
  type DemoAssociate,
  type DemoClient,
  type DemoConsent,
  type DemoData,
  type DemoIdentifier,
  type DemoLine,
  type DemoNote,
  type DemoOptions,
  type DemoTransaction,
  type Segment,
} from './generator.js';
export { ecbRatesCsv } from './fx.js';
