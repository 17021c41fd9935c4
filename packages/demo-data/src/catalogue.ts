export interface DemoProduct {
  readonly sku: string;
  readonly productId: string;
  readonly name: string;
  readonly categoryPath: readonly string[];
  readonly collection: string | null;
  /** Boutique price in euro cents; other currencies are converted and rounded like a price list. */
  readonly priceEurMinor: number;
}

type Row = readonly [
  sku: string,
  name: string,
  path: string,
  collection: string | null,
  priceEur: number,
];

// A house's assortment, from entry pieces to the top of each ladder. Prices are euros.
const ROWS: readonly Row[] = [
  [
    'SLG-CARD-01',
    'Card holder in grained calfskin',
    'Leather goods/Small leather goods',
    'Rivage',
    390,
  ],
  ['SLG-KEY-01', 'Key pouch', 'Leather goods/Small leather goods', null, 420],
  ['SLG-WAL-01', 'Compact wallet', 'Leather goods/Small leather goods', 'Rivage', 650],
  ['SLG-WAL-02', 'Long zipped wallet', 'Leather goods/Small leather goods', 'Atelier 1921', 890],
  ['SLG-POU-01', 'Evening pouch', 'Leather goods/Small leather goods', 'Lune', 1150],
  ['BAG-MINI-01', 'Mini top handle bag', 'Leather goods/Bags', 'Rivage', 2400],
  ['BAG-SHO-01', 'Shoulder bag', 'Leather goods/Bags', 'Atelier 1921', 3900],
  ['BAG-TOP-01', 'Top handle bag', 'Leather goods/Bags', 'Atelier 1921', 5800],
  ['BAG-TOT-01', 'Large tote', 'Leather goods/Bags', 'Rivage', 4300],
  ['BAG-TRV-01', 'Travel bag in full-grain leather', 'Leather goods/Bags', null, 7200],
  ['BAG-EXO-01', 'Top handle bag in crocodile', 'Leather goods/Bags', 'Atelier 1921', 38500],
  ['JWL-EAR-01', 'Constellation stud earrings', 'Jewellery/Earrings', 'Constellation', 1650],
  ['JWL-RNG-01', 'Constellation ring, yellow gold', 'Jewellery/Rings', 'Constellation', 1850],
  ['JWL-RNG-02', 'Lune ring, diamonds', 'Jewellery/Rings', 'Lune', 6900],
  ['JWL-NCK-01', 'Constellation pendant', 'Jewellery/Necklaces', 'Constellation', 2750],
  ['JWL-NCK-02', 'Sérénade necklace, pavé diamonds', 'Jewellery/Necklaces', 'Sérénade', 18900],
  ['JWL-BRC-01', 'Lune bracelet', 'Jewellery/Bracelets', 'Lune', 4800],
  ['JWL-HJ-01', 'Sérénade high jewellery necklace', 'Jewellery/High jewellery', 'Sérénade', 145000],
  ['WCH-01', 'Lune 33 mm, steel', 'Watches/Women', 'Lune', 6500],
  ['WCH-02', 'Lune 36 mm, rose gold', 'Watches/Women', 'Lune', 21500],
  ['WCH-03', 'Atelier chronograph 41 mm', 'Watches/Men', 'Atelier 1921', 9800],
  ['WCH-04', 'Atelier perpetual calendar', 'Watches/Men', 'Atelier 1921', 42000],
  ['RTW-W-01', 'Silk blouse', 'Ready-to-wear/Women', 'Rivage', 1250],
  ['RTW-W-02', 'Cashmere coat', 'Ready-to-wear/Women', 'Atelier 1921', 4800],
  ['RTW-W-03', 'Evening dress', 'Ready-to-wear/Women', 'Lune', 3600],
  ['RTW-M-01', 'Cashmere sweater', 'Ready-to-wear/Men', null, 1150],
  ['RTW-M-02', 'Tailored jacket', 'Ready-to-wear/Men', 'Atelier 1921', 3200],
  ['SHO-W-01', 'Ballerina flats', 'Shoes/Women', 'Rivage', 750],
  ['SHO-W-02', 'Slingback pumps', 'Shoes/Women', 'Lune', 980],
  ['SHO-M-01', 'Leather loafers', 'Shoes/Men', null, 890],
  ['SCF-01', 'Silk carré 90', 'Accessories/Silk', 'Rivage', 480],
  ['SCF-02', 'Cashmere and silk shawl', 'Accessories/Silk', 'Constellation', 1350],
  ['BLT-01', 'Reversible leather belt', 'Accessories/Belts', null, 690],
  ['FRG-01', 'Eau de parfum Rivage 50 ml', 'Fragrance/Eau de parfum', 'Rivage', 185],
  ['FRG-02', 'Eau de parfum Lune 100 ml', 'Fragrance/Eau de parfum', 'Lune', 265],
  ['FRG-03', 'Extrait Sérénade 30 ml', 'Fragrance/Extrait', 'Sérénade', 420],
  ['HOM-01', 'Porcelain tea set', 'Home/Tableware', 'Constellation', 1450],
  ['HOM-02', 'Cashmere throw', 'Home/Textiles', null, 2200],
];

export const CATALOGUE: readonly DemoProduct[] = ROWS.map(
  ([sku, name, path, collection, price]) => ({
    sku,
    productId: `P-${sku}`,
    name,
    categoryPath: path.split('/'),
    collection,
    priceEurMinor: price * 100,
  }),
);

export function productBySku(sku: string): DemoProduct {
  const p = CATALOGUE.find((x) => x.sku === sku);
  if (!p) throw new RangeError(`unknown demo sku ${sku}`);
  return p;
}
