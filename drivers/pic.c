/*
 * The two 8259 programmable interrupt controllers.  They power up
 * delivering IRQs 0-7 on vectors 8-15, on top of the CPU's exceptions, so
 * the first job is to move them to vectors 32-47.
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "drivers/pic.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

static uint16_t irq_mask = 0xffff & ~(1 << 2);	/* line 2 cascades PIC2 */

static void write_mask(void)
{
	outb(PIC1_DATA, irq_mask & 0xff);
	outb(PIC2_DATA, irq_mask >> 8);
}

void pic_init(void)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: initialise, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, T_IRQ0);	/* ICW2: vector base */
	outb(PIC2_DATA, T_IRQ0 + 8);
	outb(PIC1_DATA, 1 << 2);	/* ICW3: PIC2 on line 2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	write_mask();
}

void pic_unmask(unsigned irq)
{
	irq_mask &= ~(1u << irq);
	write_mask();
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, 0x20);
	outb(PIC1_CMD, 0x20);
}

/*
 * A spurious IRQ 7 or 15 (the line dropped before the CPU acknowledged it)
 * shows as a clear bit in the in-service register; it must not get an EOI
 * on its own PIC (SDM-era Intel 8259A datasheet, "spurious interrupts").
 */
bool pic_spurious(unsigned irq)
{
	if (irq != 7 && irq != 15)
		return false;
	uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
	outb(cmd, 0x0b);		/* OCW3: read ISR */
	if (inb(cmd) & 0x80)
		return false;
	if (irq == 15)
		outb(PIC1_CMD, 0x20);
	return true;
}

static irq_handler_t irq_handlers[16];

void irq_register(unsigned irq, irq_handler_t fn)
{
	irq_handlers[irq] = fn;
	pic_unmask(irq);
}

/* From trap_dispatch for vectors T_IRQ0..T_IRQ0+15: acknowledge the line
 * (unless spurious: the 8259 then wants no EOI), then run its handler. */
void irq_dispatch(struct trap_frame *tf)
{
	unsigned irq = tf->vector - T_IRQ0;
	if (pic_spurious(irq))
		return;
	pic_eoi(irq);
	if (irq_handlers[irq])
		irq_handlers[irq](tf);
}
