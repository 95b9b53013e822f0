/*
 * The machine's limit for `npm run bench`: trains one of the bench networks (bench/networks.ts) with plain SGD in C,
 * every matrix product an OpenBLAS sgemm, nothing else in the way; or, with --peak, times a square sgemm alone.
 * Built and run by bench/openblas.ts; prints one line `BENCH_RESULT {json}`.
 *
 *   openblas_train --train INPUT BATCH BATCHES LR LOSS SECONDS WARMUP THREADS X.f32 Y.f32 UNITS:ACT...
 *   openblas_train --peak N SECONDS THREADS
 *
 * LOSS is mse or cross_entropy (softmax output fused with the loss); ACT is sigmoid, tanh, relu or softmax.
 * Row-major throughout: X [B, in], W [out, in] (as nnet and torch.nn.Linear keep it), Z = X·Wᵀ + b.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum act { SIGMOID, TANH, RELU, SOFTMAX };

typedef struct {
  int in, out;
  enum act act;
  float *W, *b;   /* [out, in], [out] */
  float *dW, *db; /* same shapes */
  float *z, *a;   /* [B, out]: pre-activation, activation */
  float *dz;      /* [B, out]: ∂L/∂z */
  float *dx;      /* [B, in]: ∂L/∂x, the previous layer's ∂L/∂a */
} layer;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static unsigned long long rng_state = 7;
static double uniform(void) { /* xorshift64*, in (0, 1) */
  rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25, rng_state ^= rng_state >> 27;
  return ((rng_state * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0) + 1e-17;
}

static float *alloc(size_t n) {
  float *p = calloc(n, sizeof(float));
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

static float *read_f32(const char *path, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  float *p = alloc(n);
  if (fread(p, sizeof(float), n, f) != n) {
    fprintf(stderr, "%s: short file\n", path);
    exit(2);
  }
  fclose(f);
  return p;
}

static int B, K, batches, L, cross_entropy, cursor;
static float lr;
static layer *net;
static float *X, *Y;

/* One SGD step on the next mini-batch; returns its loss. */
static float step(void) {
  const float *x = X + (size_t)(cursor % batches) * B * net[0].in;
  const float *y = Y + (size_t)(cursor % batches) * B * K;
  cursor++;
  for (int l = 0; l < L; l++) {
    layer *c = &net[l];
    const float *in = l ? net[l - 1].a : x;
    for (int r = 0; r < B; r++) memcpy(c->z + (size_t)r * c->out, c->b, c->out * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, c->out, c->in, 1, in, c->in, c->W, c->in, 1, c->z, c->out);
    size_t n = (size_t)B * c->out;
    switch (c->act) {
      case SIGMOID: for (size_t i = 0; i < n; i++) c->a[i] = 1 / (1 + expf(-c->z[i])); break;
      case TANH: for (size_t i = 0; i < n; i++) c->a[i] = tanhf(c->z[i]); break;
      case RELU: for (size_t i = 0; i < n; i++) c->a[i] = c->z[i] > 0 ? c->z[i] : 0; break;
      case SOFTMAX:
        for (int r = 0; r < B; r++) {
          float *z = c->z + (size_t)r * c->out, *a = c->a + (size_t)r * c->out, m = z[0], s = 0;
          for (int k = 1; k < c->out; k++) m = z[k] > m ? z[k] : m;
          for (int k = 0; k < c->out; k++) s += a[k] = expf(z[k] - m);
          for (int k = 0; k < c->out; k++) a[k] /= s;
        }
        break;
    }
  }
  layer *o = &net[L - 1];
  float loss = 0;
  for (int i = 0; i < B * K; i++) {
    float a = o->a[i], t = y[i];
    if (cross_entropy) {
      if (t > 0) loss -= logf(a > 1e-12f ? a : 1e-12f);
      o->dz[i] = (a - t) / B; /* softmax fused with cross-entropy */
    } else {
      loss += (a - t) * (a - t);
      o->dz[i] = 2 * (a - t) / (B * K); /* ∂L/∂a; the activation's derivative follows below */
    }
  }
  loss /= cross_entropy ? B : B * K;
  for (int l = L - 1; l >= 0; l--) {
    layer *c = &net[l];
    size_t n = (size_t)B * c->out;
    if (l < L - 1) memcpy(c->dz, net[l + 1].dx, n * sizeof(float));
    if (!(l == L - 1 && cross_entropy)) switch (c->act) {
        case SIGMOID: for (size_t i = 0; i < n; i++) c->dz[i] *= c->a[i] * (1 - c->a[i]); break;
        case TANH: for (size_t i = 0; i < n; i++) c->dz[i] *= 1 - c->a[i] * c->a[i]; break;
        case RELU: for (size_t i = 0; i < n; i++) c->dz[i] *= c->z[i] > 0; break;
        case SOFTMAX: break;
      }
    const float *in = l ? net[l - 1].a : x;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c->out, c->in, B, 1, c->dz, c->out, in, c->in, 0, c->dW, c->in);
    memset(c->db, 0, c->out * sizeof(float));
    for (int r = 0; r < B; r++)
      for (int k = 0; k < c->out; k++) c->db[k] += c->dz[(size_t)r * c->out + k];
    if (l > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, c->in, c->out, 1, c->dz, c->out, c->W, c->in, 0, c->dx, c->in);
  }
  for (int l = 0; l < L; l++) {
    layer *c = &net[l];
    cblas_saxpy(c->out * c->in, -lr, c->dW, 1, c->W, 1);
    cblas_saxpy(c->out, -lr, c->db, 1, c->b, 1);
  }
  return loss;
}

static int train(int argc, char **argv) {
  if (argc < 13) return fprintf(stderr, "usage: --train INPUT BATCH BATCHES LR LOSS SECONDS WARMUP THREADS X Y UNITS:ACT...\n"), 2;
  int input = atoi(argv[2]);
  B = atoi(argv[3]), batches = atoi(argv[4]), lr = (float)atof(argv[5]);
  cross_entropy = strcmp(argv[6], "cross_entropy") == 0;
  double seconds = atof(argv[7]), warmup = atof(argv[8]);
  openblas_set_num_threads(atoi(argv[9]));
  L = argc - 12;
  net = calloc(L, sizeof(layer));
  int fan_in = input;
  for (int l = 0; l < L; l++) {
    layer *c = &net[l];
    char *colon = strchr(argv[12 + l], ':');
    c->in = fan_in, c->out = atoi(argv[12 + l]);
    const char *a = colon ? colon + 1 : "";
    c->act = !strcmp(a, "relu") ? RELU : !strcmp(a, "tanh") ? TANH : !strcmp(a, "softmax") ? SOFTMAX : SIGMOID;
    c->W = alloc((size_t)c->out * c->in), c->dW = alloc((size_t)c->out * c->in);
    c->b = alloc(c->out), c->db = alloc(c->out);
    c->z = alloc((size_t)B * c->out), c->a = alloc((size_t)B * c->out), c->dz = alloc((size_t)B * c->out);
    c->dx = alloc((size_t)B * c->in);
    /* He normal for ReLU layers, Glorot uniform otherwise, as bench/networks.ts's initOf. */
    for (size_t i = 0; i < (size_t)c->out * c->in; i++)
      c->W[i] = c->act == RELU ? sqrt(2.0 / c->in) * sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform())
                               : (2 * uniform() - 1) * sqrt(6.0 / (c->in + c->out));
    fan_in = c->out;
  }
  K = net[L - 1].out;
  X = read_f32(argv[10], (size_t)batches * B * input);
  Y = read_f32(argv[11], (size_t)batches * B * K);

  /* The timing of bench/runner.ts: warm up, then chunks that grow until one takes ~20 ms. */
  float loss_before = step();
  long steps = 0, chunk = 1;
  double t0 = now();
  while (steps < 2 || now() - t0 < warmup) {
    double c0 = now();
    for (long i = 0; i < chunk; i++) step();
    steps += chunk;
    if (now() - c0 < 0.02) chunk *= 2;
  }
  chunk = chunk > 1 ? chunk / 2 : 1;
  steps = 0, t0 = now();
  double elapsed = 0;
  while (steps < 3 || elapsed < seconds) {
    double c0 = now();
    for (long i = 0; i < chunk; i++) step();
    steps += chunk;
    double t = now();
    if (t - c0 < 0.02) chunk *= 2;
    elapsed = t - t0;
    double left = seconds - elapsed;
    if (left > 0) {
      long fit = (long)ceil(left / (t - c0 > 1e-9 ? t - c0 : 1e-9) * chunk);
      chunk = fit < 1 ? 1 : fit < chunk ? fit : chunk;
    }
  }
  elapsed = now() - t0;
  float loss_after = step();
  printf("\nBENCH_RESULT {\"status\":\"ok\",\"samplesPerSec\":%.6g,\"steps\":%ld,\"seconds\":%.6g,"
         "\"lossBefore\":%.6g,\"lossAfter\":%.6g,\"note\":\"%s, %d thread%s\"}\n",
         steps * B / elapsed, steps, elapsed, loss_before, loss_after, openblas_get_config(),
         openblas_get_num_threads(), openblas_get_num_threads() == 1 ? "" : "s");
  return 0;
}

/* GFLOP/s of an N×N×N sgemm, repeated for SECONDS. */
static int peak(int argc, char **argv) {
  if (argc < 5) return fprintf(stderr, "usage: --peak N SECONDS THREADS\n"), 2;
  int n = atoi(argv[2]);
  double seconds = atof(argv[3]);
  openblas_set_num_threads(atoi(argv[4]));
  float *a = alloc((size_t)n * n), *b = alloc((size_t)n * n), *c = alloc((size_t)n * n);
  for (size_t i = 0; i < (size_t)n * n; i++) a[i] = (float)uniform(), b[i] = (float)uniform();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n); /* warm-up */
  long reps = 0;
  double t0 = now(), t;
  do {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    reps++;
  } while ((t = now() - t0) < seconds);
  printf("\nBENCH_RESULT {\"status\":\"ok\",\"gflops\":%.6g,\"n\":%d,\"threads\":%d}\n",
         2.0 * n * n * n * reps / t / 1e9, n, openblas_get_num_threads());
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--train")) return train(argc, argv);
  if (argc > 1 && !strcmp(argv[1], "--peak")) return peak(argc, argv);
  fprintf(stderr, "usage: openblas_train --train … | --peak N SECONDS THREADS\n");
  return 2;
}
