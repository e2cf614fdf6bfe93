/**
 * Plusone never accepts card data: no PAN, no CVV, no expiry. The request screen (`http/screen.ts`) hands
 * every decoded value of a request to `containsCardNumber` with the kind of field it came from; the rule
 * is written down in docs/api.md ("Card data"). In short:
 *
 * 1. Reading. Digits are read after Unicode normalisation (NFKC, then every decimal digit of any script
 *    as its ASCII digit), so full-width `４` or Arabic-Indic `٤` hide nothing. Letters end a number;
 *    any run of other characters (spaces, `-`, `.`, `_`, `/`, no-break spaces…) only separates digit
 *    groups. UUIDs (8-4-4-4-12 hex) are identifiers and are skipped whole.
 * 2. Candidates. Every span of whole, consecutive digit groups with 12–19 digits. A digit group is never
 *    cut: the tail of a 25-digit run is not a card number.
 * 3. A card number is a candidate that a card network issues — its prefix (IIN) in that network's ranges
 *    and its length one of the lengths the network issues (table below) — and that passes the Luhn check.
 *    A test card number is one of the numbers PSPs publish for testing (list below), or a card number made
 *    of an obvious pattern (8 equal digits in a row, or a block of 1–4 digits repeated).
 * 4. In free text and every other field, card numbers and test card numbers are refused. In id fields
 *    (merchant-chosen identifiers) digits are a merchant's id — Shopify's are 10–20 digit integers, and
 *    one in ten random such numbers passes Luhn with a card prefix, so no rule can tell them from a PAN —
 *    and are refused only as a test card number (written any way), or as a card number written like a
 *    card: in non-ASCII digits, or grouped 4-4-4-4 (last group shorter allowed), 4-6-5 or 4-6-4.
 */

/** Where a value came from: an id field gets the merchant-id allowance of rule 4. */
export type FieldKind = 'id' | 'text';

interface Network {
  readonly name: string;
  /** Inclusive prefix ranges, each bound with the same number of digits. */
  readonly ranges: readonly (readonly [string, string])[];
  readonly lengths: readonly number[];
}

const range = (low: string, high = low) => [low, high] as const;
const lengths = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Issuer ranges and the lengths each network issues (ISO/IEC 7812 IINs as the networks publish them). */
export const NETWORKS: readonly Network[] = [
  { name: 'Visa', ranges: [range('4')], lengths: [13, 16, 19] },
  { name: 'Mastercard', ranges: [range('51', '55'), range('2221', '2720')], lengths: [16] },
  { name: 'American Express', ranges: [range('34'), range('37')], lengths: [15] },
  { name: 'Diners Club', ranges: [range('300', '305'), range('3095'), range('36'), range('38', '39')], lengths: lengths(14, 19) },
  { name: 'Discover', ranges: [range('6011'), range('644', '649'), range('65'), range('622126', '622925')], lengths: lengths(16, 19) },
  { name: 'JCB', ranges: [range('3528', '3589')], lengths: lengths(16, 19) },
  { name: 'UnionPay', ranges: [range('62'), range('81')], lengths: lengths(16, 19) },
  {
    name: 'Maestro',
    ranges: [range('5018'), range('5020'), range('5033'), range('5038'), range('5893'), range('6304'), range('6759'), range('6761', '6763')],
    lengths: lengths(12, 19),
  },
  { name: 'Mir', ranges: [range('2200', '2204')], lengths: lengths(16, 19) },
  { name: 'RuPay', ranges: [range('60'), range('508'), range('652', '653')], lengths: [16] },
  { name: 'Verve', ranges: [range('506099', '506198'), range('650002', '650027')], lengths: [16, 18, 19] },
  { name: 'Dankort', ranges: [range('5019')], lengths: [16] },
  { name: 'Elo and Hipercard', ranges: [range('5067'), range('606282'), range('636297'), range('636368')], lengths: [16] },
];

/** Published PSP test numbers (Stripe, Braintree, Adyen, PayPal, Authorize.net, CyberSource, Mastercard Gateway). */
export const TEST_CARD_NUMBERS: ReadonlySet<string> = new Set([
  // Visa
  '4242424242424242',
  '4000056655665556',
  '4111111111111111',
  '4012888888881881',
  '4222222222222',
  '4007000000027',
  '4012888818888',
  '4005519200000004',
  '4009348888881881',
  '4012000033330026',
  '4012000077777777',
  '4217651111111119',
  '4500600000000061',
  '4590613013277775',
  '4226146578860117',
  '4067425543164587',
  '4988438843884305',
  '4166676667666746',
  '4646464646464644',
  '4444333322221111',
  '4400000000000008',
  '4977949494949497',
  '4508750015741019',
  '4111111145551142',
  '4212345678901237',
  '4000002500003155',
  '4000002760003184',
  '4000008400001629',
  // Mastercard
  '5555555555554444',
  '5105105105105100',
  '5111111111111118',
  '5454545454545454',
  '5500000000000004',
  '2223003122003222',
  '5200828282828210',
  '2222400070000005',
  '2223000048400011',
  '5123450000000008',
  '2223000000000007',
  '2223000000000023',
  '2222420000001113',
  '2222630000001125',
  '5424000000000015',
  '5100081112223332',
  '5100290029002909',
  '5577000055770004',
  '5136333333333335',
  '5585558555855583',
  '5555444433331111',
  '5156230000000004',
  '5206830000000001',
  '5125860000000006',
  // American Express
  '378282246310005',
  '371449635398431',
  '378734493671000',
  '370000000000002',
  '340000000000009',
  '343434343434343',
  '3111111111111117',
  '371881634498004',
  '371881127160004',
  '371881245560002',
  '371881911767006',
  '374251018720018',
  '374251021090003',
  '374101000000608',
  '370000000100018',
  // Diners Club
  '30569309025904',
  '38520000023237',
  '30000000000004',
  '3056930009020004',
  '36227206271667',
  '36259600000004',
  '38000000000006',
  '36006666333344',
  '36148900647913',
  // Discover
  '6011111111111117',
  '6011000990139424',
  '6011000000000004',
  '6011601160116611',
  '6111111111111116',
  '6011981111111113',
  '6011000991300009',
  '6011000000000012',
  '6445644564456445',
  // JCB
  '3530111333300000',
  '3566002020360505',
  '3088000000000009',
  '3088000000000017',
  '3566111111111113',
  '3569990010095841',
  '3528000700000000',
  // UnionPay
  '6200000000000005',
  '6200000000000047',
  '6205500000000000004',
  '6243030000000001',
  '6221261111117766',
  '6223164991230014',
  '6250941006528599',
  '6212345678901232',
  '6250946000000016',
  '8171999927660000',
  '6212345678900000003',
  // Maestro
  '6304000000000000',
  '6759411100000008',
  '6759560045005727054',
  '5641821111166669',
  '50339619890917',
  '586824160825533338',
  '6771798021000008',
  '6799990100000000019',
  // Other networks
  '5610591081018250',
  '5019717010103742',
  '6331101999990016',
  '6555900000604105',
  '135412345678911',
  '6062826786276634',
  '6362970000457013',
]);

const MIN_CANDIDATE = 12;
const MAX_CANDIDATE = 19;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The network that issues numbers with this prefix and length, or null. */
export function cardNetwork(digits: string): string | null {
  for (const network of NETWORKS) {
    if (!network.lengths.includes(digits.length)) continue;
    const inRange = network.ranges.some(([low, high]) => {
      const prefix = digits.slice(0, low.length);
      return prefix >= low && prefix <= high;
    });
    if (inRange) return network.name;
  }
  return null;
}

/** Rule 3: issued prefix and length, and Luhn. */
export function isCardNumber(digits: string): boolean {
  return cardNetwork(digits) !== null && luhnValid(digits);
}

function isPatterned(digits: string): boolean {
  if (/(\d)\1{7}/.test(digits)) return true;
  const body = digits.slice(0, -1);
  for (let period = 1; period <= 4; period += 1) {
    if (
      body
        .slice(0, period)
        .repeat(Math.ceil(body.length / period))
        .slice(0, body.length) === body
    )
      return true;
  }
  return false;
}

/** Rule 3: a published test number, or a card number made of an obvious pattern. */
export function isTestCardNumber(digits: string): boolean {
  return TEST_CARD_NUMBERS.has(digits) || (isCardNumber(digits) && isPatterned(digits));
}

interface DigitGroup {
  digits: string;
  /** Some digit was not ASCII (full-width, another script, a superscript…). */
  unusual: boolean;
}

type CharClass = { kind: 'digit'; digit: string; unusual: boolean } | { kind: 'letter' } | { kind: 'separator' };

const DECIMAL_DIGIT = /^\p{Nd}$/u;
const LETTER = /^[\p{L}\p{M}]$/u;

/** The value of a decimal digit of any script: Unicode keeps each script's 0–9 in consecutive code points. */
function decimalValue(codePoint: number): number {
  let start = codePoint;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return (codePoint - start) % 10;
}

function classify(char: string): CharClass {
  const code = char.charCodeAt(0);
  if (code >= 48 && code <= 57) return { kind: 'digit', digit: char, unusual: false };
  if (code < 128) return (code | 32) >= 97 && (code | 32) <= 122 ? { kind: 'letter' } : { kind: 'separator' };
  const compatible = char.normalize('NFKC');
  if (compatible.length === 1 && compatible !== char) {
    const folded = classify(compatible);
    return folded.kind === 'digit' ? { ...folded, unusual: true } : folded;
  }
  if (DECIMAL_DIGIT.test(char)) return { kind: 'digit', digit: String(decimalValue(char.codePointAt(0) ?? 0)), unusual: true };
  return LETTER.test(char) ? { kind: 'letter' } : { kind: 'separator' };
}

/** A run of ASCII digit groups joined only by separators, with at least 12 digits (fewer hold no candidate). */
const ASCII_RUN = new RegExp(`\\d(?:[^A-Za-z0-9]*\\d){${MIN_CANDIDATE - 1},}`, 'g');

const UUID = /(?<![0-9a-z])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-z])/gi;

/** Rule 1: the runs of digit groups joined only by separators (letters end a run). */
function numberRuns(text: string): DigitGroup[][] {
  const readable = text.replace(UUID, 'x');
  // Plain ASCII (nearly every value) is searched by a regular expression for runs of at least 12 digits;
  // the rest is read character by character.
  // eslint-disable-next-line no-control-regex -- the ASCII range starts at NUL on purpose
  if (/^[\x00-\x7f]*$/.test(readable)) {
    return (readable.match(ASCII_RUN) ?? []).map((run) => (run.match(/\d+/g) ?? []).map((digits) => ({ digits, unusual: false })));
  }
  const runs: DigitGroup[][] = [];
  let run: DigitGroup[] = [];
  let group: DigitGroup | null = null;
  const endGroup = () => {
    if (group) run.push(group);
    group = null;
  };
  const endRun = () => {
    endGroup();
    if (run.length > 0) runs.push(run);
    run = [];
  };
  // Scripts repeat their few characters: classify each distinct one once per value.
  const classes = new Map<string, CharClass>();
  for (const char of readable) {
    const kind = classes.get(char) ?? classify(char);
    classes.set(char, kind);
    if (kind.kind === 'digit') {
      group ??= { digits: '', unusual: false };
      group.digits += kind.digit;
      group.unusual ||= kind.unusual;
    } else if (kind.kind === 'separator') {
      endGroup();
    } else {
      endRun();
    }
  }
  endRun();
  return runs;
}

/**
 * How cards are written: groups of four with a shorter last group (16, 19 and 13 digits), or the 4-6-5 and
 * 4-6-4 of American Express and Diners Club.
 */
function isCardGrouping(groups: readonly DigitGroup[]): boolean {
  const sizes = groups.map((group) => group.digits.length);
  if (sizes.length === 3 && sizes[0] === 4 && sizes[1] === 6 && (sizes[2] === 4 || sizes[2] === 5)) return true;
  return sizes.every((size, index) => (index === sizes.length - 1 ? size <= 4 : size === 4));
}

/** Rule 4 for id fields: a card number counts when written like a card, not as a merchant's id would be. */
function writtenLikeCard(groups: readonly DigitGroup[]): boolean {
  return groups.some((group) => group.unusual) || (groups.length > 1 && isCardGrouping(groups));
}

/** Rules 2 and 4 over one run of digit groups. */
function runHasCardNumber(run: readonly DigitGroup[], kind: FieldKind): boolean {
  for (let first = 0; first < run.length; first += 1) {
    let digits = '';
    for (let last = first; last < run.length; last += 1) {
      digits += run[last]?.digits ?? '';
      if (digits.length > MAX_CANDIDATE) break;
      if (digits.length < MIN_CANDIDATE) continue;
      if (isTestCardNumber(digits)) return true;
      if (isCardNumber(digits) && (kind === 'text' || writtenLikeCard(run.slice(first, last + 1)))) return true;
    }
  }
  return false;
}

/** True when the value holds a card number by the rule above, read as a field of this kind. */
export function containsCardNumber(text: string, kind: FieldKind = 'text'): boolean {
  // Quick exit: fewer than 12 characters that could be digits cannot hold a card number.
  if (text.length < MIN_CANDIDATE || !/[\d\u0080-\uffff]/.test(text)) return false;
  return numberRuns(text).some((run) => runHasCardNumber(run, kind));
}

/** Normalised field names (lower case, letters and digits only) that carry card security codes or expiry. */
const CARD_FIELD_NAMES = new Set([
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'csc',
  'cvn',
  'securitycode',
  'cardsecuritycode',
  'cardcvv',
  'cardcvc',
  'cardcode',
  'expiry',
  'expirydate',
  'expirymonth',
  'expiryyear',
  'expiration',
  'expirationdate',
  'expirationmonth',
  'expirationyear',
  'expdate',
  'expmonth',
  'expyear',
  'cardexpiry',
  'cardexpiration',
  'cardexpmonth',
  'cardexpyear',
  'cardnumber',
  'pan',
  'primaryaccountnumber',
]);

export function isCardFieldName(name: string): boolean {
  return CARD_FIELD_NAMES.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * Names of fields that hold identifiers: `id`, and names ending in `Id`/`Ids`/`_id`/`_ids`, `Ref`/`_ref`,
 * `Reference` or `Key` (camel or snake case, so `paid` or `monkey` are not ids).
 */
export function isIdFieldName(name: string): boolean {
  return (
    /^(?:id|ids|ref|key)$/i.test(name) || /[a-z0-9](?:Id|IDs?|Ids|Ref|Reference|Key)$/.test(name) || /_(?:id|ids|ref|reference|key)$/i.test(name)
  );
}

/** Path of the first object key anywhere in `value` that names a card field, or null (an iterative walk). */
export function findCardField(value: unknown): string | null {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (Array.isArray(next)) pending.push(...(next as unknown[]));
    else if (next !== null && typeof next === 'object') {
      for (const [key, child] of Object.entries(next)) {
        if (isCardFieldName(key)) return key;
        pending.push(child);
      }
    }
  }
  return null;
}

/** What card data a text (read as free text) and its parsed fields carry, or null. */
export function detectCardData(text: string, parsed: unknown): 'card_number' | 'card_field' | null {
  if (containsCardNumber(text)) return 'card_number';
  if (findCardField(parsed)) return 'card_field';
  return null;
}
