/*
 * A fake libnvidia-ml.so for tests on machines without an NVIDIA GPU: the subset of the
 * NVML C API that tradeoff calls, answering from a script.
 *
 * The script is the file named by FAKE_NVML_SCRIPT, read at every nvmlInit_v2, one
 * `key=value` per line (`#` starts a comment):
 *
 *   init=ok | driver_not_loaded | no_permission     how nvmlInit_v2 answers
 *   devices=N                                       device count
 *   driver=550.54.15
 *   name.I=NVIDIA H100 80GB HBM3                    per device I
 *   mig.I=0|1                                       MIG mode (current and pending)
 *   energy.I=counter | not_supported | no_permission
 *   power.I=counter | not_supported                  whether nvmlDeviceGetPowerUsage answers
 *   trace.I=T0:MW0,T1:MW1,...                        board power (milliwatts) from time T (s)
 *                                                     since init, piecewise constant
 *   lost_after.I=S                                   from S seconds after init the device is
 *                                                     lost (NVML_ERROR_GPU_IS_LOST)
 *
 * The energy counter is the exact integral of the power trace, in millijoules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_GPU_IS_LOST = 15,
};

#define MAX_DEVICES 8
#define MAX_STEPS 32

struct device {
    int index;
    char name[96];
    int mig;
    int energy; /* 0 counter, 3 not supported, 4 no permission */
    int power;  /* 0 answers, 3 not supported */
    int steps;
    double step_t[MAX_STEPS];
    double step_mw[MAX_STEPS];
    double lost_after; /* < 0: never */
};

static struct device devices[MAX_DEVICES];
static int device_count = 0;
static int init_result = NVML_SUCCESS;
static int initialised = 0;
static char driver[64] = "550.54.15";
static struct timespec started;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - started.tv_sec) + (double)(t.tv_nsec - started.tv_nsec) * 1e-9;
}

static void read_script(void) {
    device_count = 0;
    init_result = NVML_SUCCESS;
    strcpy(driver, "550.54.15");
    for (int i = 0; i < MAX_DEVICES; i++) {
        struct device *d = &devices[i];
        memset(d, 0, sizeof *d);
        d->index = i;
        snprintf(d->name, sizeof d->name, "Fake GPU %d", i);
        d->steps = 1;
        d->step_t[0] = 0.0;
        d->step_mw[0] = 100000.0;
        d->lost_after = -1.0;
    }
    const char *path = getenv("FAKE_NVML_SCRIPT");
    FILE *file = path ? fopen(path, "r") : NULL;
    if (!file) return;
    char line[512];
    while (fgets(line, sizeof line, file)) {
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = 0;
        char *key = line, *value = eq + 1;
        value[strcspn(value, "\r\n")] = 0;
        char *dot = strchr(key, '.');
        int index = dot ? atoi(dot + 1) : -1;
        if (dot) *dot = 0;
        if (index >= MAX_DEVICES) continue;
        struct device *d = index >= 0 ? &devices[index] : NULL;
        if (!strcmp(key, "init")) {
            init_result = !strcmp(value, "driver_not_loaded") ? NVML_ERROR_DRIVER_NOT_LOADED
                        : !strcmp(value, "no_permission")     ? NVML_ERROR_NO_PERMISSION
                                                                : NVML_SUCCESS;
        } else if (!strcmp(key, "devices")) {
            device_count = atoi(value);
        } else if (!strcmp(key, "driver")) {
            snprintf(driver, sizeof driver, "%s", value);
        } else if (d && !strcmp(key, "name")) {
            snprintf(d->name, sizeof d->name, "%s", value);
        } else if (d && !strcmp(key, "mig")) {
            d->mig = atoi(value);
        } else if (d && !strcmp(key, "energy")) {
            d->energy = !strcmp(value, "not_supported") ? NVML_ERROR_NOT_SUPPORTED
                      : !strcmp(value, "no_permission") ? NVML_ERROR_NO_PERMISSION
                                                        : NVML_SUCCESS;
        } else if (d && !strcmp(key, "power")) {
            d->power = !strcmp(value, "not_supported") ? NVML_ERROR_NOT_SUPPORTED : NVML_SUCCESS;
        } else if (d && !strcmp(key, "lost_after")) {
            d->lost_after = atof(value);
        } else if (d && !strcmp(key, "trace")) {
            d->steps = 0;
            char *item = strtok(value, ",");
            while (item && d->steps < MAX_STEPS) {
                char *colon = strchr(item, ':');
                if (colon) {
                    *colon = 0;
                    d->step_t[d->steps] = atof(item);
                    d->step_mw[d->steps] = atof(colon + 1);
                    d->steps++;
                }
                item = strtok(NULL, ",");
            }
        }
    }
    fclose(file);
}

static double power_at(const struct device *d, double t) {
    double mw = d->steps ? d->step_mw[0] : 0.0;
    for (int i = 0; i < d->steps; i++)
        if (t >= d->step_t[i]) mw = d->step_mw[i];
    return mw;
}

/* The exact integral of the piecewise-constant trace from 0 to t, in millijoules. */
static double energy_until(const struct device *d, double t) {
    double total = 0.0;
    for (int i = 0; i < d->steps; i++) {
        double from = d->step_t[i];
        double to = i + 1 < d->steps ? d->step_t[i + 1] : t;
        if (to > t) to = t;
        if (to > from) total += d->step_mw[i] * (to - from);
    }
    return total;
}

static nvmlReturn_t device_of(void *handle, struct device **out) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if (!handle) return NVML_ERROR_INVALID_ARGUMENT;
    struct device *d = (struct device *)handle;
    if (d->lost_after >= 0.0 && now() >= d->lost_after) return NVML_ERROR_GPU_IS_LOST;
    *out = d;
    return NVML_SUCCESS;
}

static nvmlReturn_t copy(char *buffer, unsigned int length, const char *text) {
    if (strlen(text) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(buffer, text);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void) {
    read_script();
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (init_result != NVML_SUCCESS) return init_result;
    initialised = 1;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInitWithFlags(unsigned int flags) {
    (void)flags;
    return nvmlInit_v2();
}

nvmlReturn_t nvmlShutdown(void) {
    initialised = 0;
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    return copy(version, length, driver);
}

nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    return copy(version, length, "12.550.54.15");
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    *count = (unsigned int)device_count;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **device) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if ((int)index >= device_count) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &devices[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(void *handle, char *name, unsigned int length) {
    struct device *d;
    nvmlReturn_t r = device_of(handle, &d);
    return r ? r : copy(name, length, d->name);
}

nvmlReturn_t nvmlDeviceGetUUID(void *handle, char *uuid, unsigned int length) {
    struct device *d;
    nvmlReturn_t r = device_of(handle, &d);
    if (r) return r;
    char text[64];
    snprintf(text, sizeof text, "GPU-fake-%04d", d->index);
    return copy(uuid, length, text);
}

nvmlReturn_t nvmlDeviceGetMigMode(void *handle, unsigned int *current, unsigned int *pending) {
    struct device *d;
    nvmlReturn_t r = device_of(handle, &d);
    if (r) return r;
    *current = (unsigned int)d->mig;
    *pending = (unsigned int)d->mig;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(void *handle, unsigned long long *energy) {
    struct device *d;
    nvmlReturn_t r = device_of(handle, &d);
    if (r) return r;
    if (d->energy) return d->energy;
    *energy = (unsigned long long)energy_until(d, now());
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(void *handle, unsigned int *power) {
    struct device *d;
    nvmlReturn_t r = device_of(handle, &d);
    if (r) return r;
    if (d->power) return d->power;
    *power = (unsigned int)power_at(d, now());
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(void *handle, unsigned int *limit) {
    struct device *d;
    nvmlReturn_t r = device_of(handle, &d);
    if (r) return r;
    *limit = 700000;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(void *handle, unsigned int *limit) {
    return nvmlDeviceGetEnforcedPowerLimit(handle, limit);
}
