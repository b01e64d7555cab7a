"""DeFormer training recipe: QA fine-tuning, split fine-tuning with KD + LRS, BO, export."""
