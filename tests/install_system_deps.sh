#!/usr/bin/env bash
# Debian packages the tests use as independent, real tools: samtools (checks
# our FASTA), a one-node SLURM with munge (the cluster profile), chromium and
# chromium-driver (the report as a person sees it, driven by Selenium). Installs
# only what is missing; needs root or sudo.
set -euo pipefail
packages=()
command -v samtools >/dev/null || packages+=(samtools)
command -v sbatch >/dev/null || packages+=(slurm-client)
command -v slurmctld >/dev/null || packages+=(slurmctld)
command -v slurmd >/dev/null || packages+=(slurmd)
command -v munged >/dev/null || packages+=(munge)
command -v chromium >/dev/null || packages+=(chromium)
command -v chromedriver >/dev/null || packages+=(chromium-driver)
[ ${#packages[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
