/**
 * `--weights FILE|URL|imagenet1k_v1|imagenet1k_v2|coco_with_voc_labels_v1` -> a local file: a path is used as
 * it is, a URL is downloaded into the cache (once), and a torchvision variant name
 * becomes torchvision's file for the model (then downloaded like a URL).
 */
import { existsSync } from 'node:fs';
import { NetforgeError } from '../errors.js';
import { cachePathFor, download, type Downloaded, type DownloadOptions } from './download.js';
import { parseVariant, torchvisionWeights, TORCHVISION_VARIANTS, type TorchvisionWeights } from './torchvision.js';
import { readWeights } from './load.js';

/** Weights to load, as resolveWeights() returns them for `--weights FILE|URL|imagenet1k_v1`. */
export interface WeightsInput {
  /** The local file (downloaded into the cache for a URL). */
  readonly file: string;
  /** What the user asked for (path, URL or variant name), for messages and metadata. */
  readonly source: string;
  /** Set for `imagenet1k_v1`/`imagenet1k_v2`: the recipe's preprocessing goes into the metadata. */
  readonly torchvision?: TorchvisionWeights;
}

export interface ResolveWeightsOptions extends DownloadOptions {
  /** The model's name (a zoo name resolves torchvision variants). */
  readonly model: string;
  /** Told about each download or cache hit (the CLI prints where the file is). */
  readonly onDownload?: (d: Downloaded, url: string) => void;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A downloaded file must parse as weights (E_WEIGHTS_* otherwise). */
export function checkWeightsFile(path: string): void {
  readWeights(path);
}

/** `--weights` resolved: a file, a URL (downloaded once into the cache, hash checked) or a torchvision variant (`imagenet1k_v1`) for `o.model`. */
export async function resolveWeights(spec: string, o: ResolveWeightsOptions): Promise<WeightsInput> {
  const variant = parseVariant(spec);
  if (variant !== undefined && !existsSync(spec)) {
    const tv = torchvisionWeights(o.model, variant);
    const d = await download(tv.url, o);
    o.onDownload?.(d, tv.url);
    const what = tv.backboneOf !== undefined ? `${tv.variant.toLowerCase()} of ${tv.model}, for the backbone` : tv.variant.toLowerCase();
    return { file: d.path, source: `${what} (${tv.url})`, torchvision: tv };
  }
  if (URL_LIKE.test(spec)) {
    // a file name without a sha256 prefix is parsed as weights before it is cached
    const d = await download(spec, { validate: checkWeightsFile, ...o });
    o.onDownload?.(d, spec);
    return { file: d.path, source: spec };
  }
  if (!existsSync(spec) && /^(imagenet|coco|default$)/i.test(spec)) {
    throw new NetforgeError({
      code: 'E_WEIGHTS_SPEC',
      message: `--weights ${spec}: no such file, and not a known weights name`,
      file: spec,
      hint: `names are ${TORCHVISION_VARIANTS.map((v) => v.toLowerCase()).join(', ')}; otherwise give a file path or an http(s) URL`,
    });
  }
  return { file: spec, source: spec };
}

/**
 * The local file `--weights spec` is read from, without downloading anything: the path itself,
 * or where the cache keeps a URL or torchvision variant. Undefined when that cannot be told
 * yet (resolveWeights then reports why).
 */
export function weightsFileFor(spec: string, o: { readonly model: string; readonly cacheDir: string }): string | undefined {
  try {
    const variant = parseVariant(spec);
    if (variant !== undefined && !existsSync(spec)) return cachePathFor(torchvisionWeights(o.model, variant).url, o.cacheDir);
    if (URL_LIKE.test(spec)) return cachePathFor(spec, o.cacheDir);
    return spec;
  } catch {
    return undefined;
  }
}
