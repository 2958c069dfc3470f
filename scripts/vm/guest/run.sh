#!/bin/bash
# The guest's command runner: PID 1 in cmd mode, oomtop-vm.service in systemd mode. Runs the
# command the host wrote to /mnt/vmout/cmd in the checkout, its stdout on ttyS1 and stderr
# on ttyS2 (the host streams both), with OOMTOP_VM_OUT (the shared directory), OOMTOP_VM_MODE
# (cmd|systemd) and OOMTOP_VM_KERNEL (the kernel image, a big host file) set; writes its exit status to /mnt/vmout/status and powers
# the guest off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
O=/mnt/vmout
. $O/vm.env
for t in /dev/ttyS1 /dev/ttyS2; do stty -F $t raw -echo 2>/dev/null; done
echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
export OOMTOP_VM_OUT=$O OOMTOP_VM_MODE=$VM_MODE OOMTOP_VM_KERNEL=$VM_KERNEL
rc=0
cd "$VM_CWD" 2> /dev/null || {
  echo "vm: the working directory $VM_CWD is not there in the guest" > /dev/ttyS2
  rc=126
}
[ $rc = 0 ] && { bash -c "$(cat $O/cmd)" < /dev/null > /dev/ttyS1 2> /dev/ttyS2; rc=$?; }
echo $rc > $O/status.tmp && mv $O/status.tmp $O/status
sync
# isa-debug-exit: qemu exits at once; the status travels in the file above
printf '\0' | dd of=/dev/port bs=1 seek=244 count=1 status=none 2> /dev/null
echo o > /proc/sysrq-trigger
sleep 30
