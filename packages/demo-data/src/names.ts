/**
 * Name pools per culture, with the client's own script and a Latin transliteration, so the demo
 * exercises search in both (and combining accents, and right-to-left script).
 */
export interface DemoName {
  readonly native: {
    readonly given: string;
    readonly family: string;
    readonly full: string;
  } | null;
  readonly latin: { readonly given: string; readonly family: string; readonly full: string };
  readonly salutation: string;
}

export type Culture = 'fr' | 'en' | 'ar' | 'zh' | 'ja' | 'ko' | 'ru' | 'us';

type Pair = readonly [native: string, latin: string];

const GIVEN: Readonly<Record<Culture, readonly (readonly [Pair, 'f' | 'm'])[]>> = {
  fr: [
    [['Hélène', 'Hélène'], 'f'],
    [['Zoë', 'Zoë'], 'f'],
    [['Camille', 'Camille'], 'f'],
    [['Éloïse', 'Éloïse'], 'f'],
    [['Mathilde', 'Mathilde'], 'f'],
    [['Aurélien', 'Aurélien'], 'm'],
    [['François', 'François'], 'm'],
    [['Théo', 'Théo'], 'm'],
    [['Benoît', 'Benoît'], 'm'],
  ],
  en: [
    [['Charlotte', 'Charlotte'], 'f'],
    [['Olivia', 'Olivia'], 'f'],
    [['Imogen', 'Imogen'], 'f'],
    [['Harriet', 'Harriet'], 'f'],
    [['Oliver', 'Oliver'], 'm'],
    [['Henry', 'Henry'], 'm'],
    [['Rupert', 'Rupert'], 'm'],
  ],
  ar: [
    [['فاطمة', 'Fatima'], 'f'],
    [['نورة', 'Noura'], 'f'],
    [['مريم', 'Maryam'], 'f'],
    [['ليلى', 'Layla'], 'f'],
    [['محمد', 'Mohammed'], 'm'],
    [['خالد', 'Khalid'], 'm'],
    [['عبدالله', 'Abdullah'], 'm'],
    [['سلطان', 'Sultan'], 'm'],
  ],
  zh: [
    [['芳', 'Fang'], 'f'],
    [['静', 'Jing'], 'f'],
    [['丽娜', 'Lina'], 'f'],
    [['美玲', 'Meiling'], 'f'],
    [['伟', 'Wei'], 'm'],
    [['浩然', 'Haoran'], 'm'],
    [['俊杰', 'Junjie'], 'm'],
  ],
  ja: [
    [['さくら', 'Sakura'], 'f'],
    [['陽子', 'Yoko'], 'f'],
    [['美咲', 'Misaki'], 'f'],
    [['健太', 'Kenta'], 'm'],
    [['大輔', 'Daisuke'], 'm'],
    [['翔', 'Sho'], 'm'],
  ],
  ko: [
    [['민지', 'Min-ji'], 'f'],
    [['서연', 'Seo-yeon'], 'f'],
    [['지우', 'Ji-woo'], 'f'],
    [['민준', 'Min-jun'], 'm'],
    [['도윤', 'Do-yun'], 'm'],
    [['현우', 'Hyun-woo'], 'm'],
  ],
  ru: [
    [['Анастасия', 'Anastasia'], 'f'],
    [['Екатерина', 'Ekaterina'], 'f'],
    [['Ольга', 'Olga'], 'f'],
    [['Дмитрий', 'Dmitry'], 'm'],
    [['Алексей', 'Alexey'], 'm'],
  ],
  us: [
    [['Madison', 'Madison'], 'f'],
    [['Grace', 'Grace'], 'f'],
    [['Avery', 'Avery'], 'f'],
    [['James', 'James'], 'm'],
    [['Ethan', 'Ethan'], 'm'],
    [['William', 'William'], 'm'],
  ],
};

const FAMILY: Readonly<Record<Culture, readonly Pair[]>> = {
  fr: [
    ['Lefèvre', 'Lefèvre'],
    ['Dubois', 'Dubois'],
    ['Mercier', 'Mercier'],
    ['Besançon', 'Besançon'],
    ['Rousseau', 'Rousseau'],
    ['Gauthier', 'Gauthier'],
  ],
  en: [
    ['Ashworth', 'Ashworth'],
    ['Pemberton', 'Pemberton'],
    ['Whitfield', 'Whitfield'],
    ['Carrington', 'Carrington'],
    ['Blake', 'Blake'],
  ],
  ar: [
    ['المنصوري', 'Al Mansouri'],
    ['الهاشمي', 'Al Hashimi'],
    ['القاسمي', 'Al Qasimi'],
    ['الفلاسي', 'Al Falasi'],
    ['السويدي', 'Al Suwaidi'],
  ],
  zh: [
    ['王', 'Wang'],
    ['李', 'Li'],
    ['张', 'Zhang'],
    ['陈', 'Chen'],
    ['刘', 'Liu'],
    ['周', 'Zhou'],
  ],
  ja: [
    ['佐藤', 'Sato'],
    ['鈴木', 'Suzuki'],
    ['高橋', 'Takahashi'],
    ['田中', 'Tanaka'],
    ['渡辺', 'Watanabe'],
  ],
  ko: [
    ['김', 'Kim'],
    ['이', 'Lee'],
    ['박', 'Park'],
    ['최', 'Choi'],
    ['정', 'Jung'],
  ],
  ru: [
    ['Иванова', 'Ivanova'],
    ['Смирнова', 'Smirnova'],
    ['Петров', 'Petrov'],
    ['Волков', 'Volkov'],
  ],
  us: [
    ['Whitmore', 'Whitmore'],
    ['Harrington', 'Harrington'],
    ['Sullivan', 'Sullivan'],
    ['Bennett', 'Bennett'],
    ['Caldwell', 'Caldwell'],
  ],
};

/** Cultures whose own script is not Latin. */
const NON_LATIN: ReadonlySet<Culture> = new Set(['ar', 'zh', 'ja', 'ko', 'ru']);
/** Family name first in the full name. */
const FAMILY_FIRST: ReadonlySet<Culture> = new Set(['zh', 'ja', 'ko']);

const SALUTATION: Readonly<Record<Culture, { f: string; m: string }>> = {
  fr: { f: 'Madame', m: 'Monsieur' },
  en: { f: 'Mrs', m: 'Mr' },
  us: { f: 'Ms', m: 'Mr' },
  ar: { f: 'Sheikha', m: 'Sheikh' },
  zh: { f: '女士', m: '先生' },
  ja: { f: '様', m: '様' },
  ko: { f: '님', m: '님' },
  ru: { f: 'Госпожа', m: 'Господин' },
};

export function demoName(culture: Culture, pick: <T>(xs: readonly T[]) => T): DemoName {
  const [[givenNative, givenLatin], sex] = pick(GIVEN[culture]);
  const [familyNative, familyLatin] = pick(FAMILY[culture]);
  const full = (given: string, family: string): string => {
    if (culture === 'zh' || culture === 'ja') return `${family}${given}`;
    if (FAMILY_FIRST.has(culture)) return `${family} ${given}`;
    return `${given} ${family}`;
  };
  const latinFull = FAMILY_FIRST.has(culture)
    ? `${familyLatin} ${givenLatin}`
    : `${givenLatin} ${familyLatin}`;
  return {
    native: NON_LATIN.has(culture)
      ? { given: givenNative, family: familyNative, full: full(givenNative, familyNative) }
      : null,
    latin: { given: givenLatin, family: familyLatin, full: latinFull },
    salutation: SALUTATION[culture][sex],
  };
}

/** ASCII local part for demo e-mail addresses. */
export function emailLocalPart(name: DemoName): string {
  return `${name.latin.given}.${name.latin.family}`
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z.-]/g, '')
    .toLowerCase();
}
